#!/usr/bin/env bash
# Faults between hosts (`make test-faults`): two hosts in network namespaces joined by a
# wire that loses, delays and reorders packets, or is cut; on them the programs of
# Tests/UserPrograms/Sources/fault-peer, sync and async, with numbered messages. Each
# scenario reports what was lost, duplicated and reordered, and whether ZeroMQ's
# semantics allow it; the table at the end goes into Docs/Reliability.md.
#
# Needs root (namespaces, TUN devices, addresses); skips with a message where the
# machine refuses. Every program has its own time limit, and the whole run is bounded
# (about two minutes; `timeout` guards each foreground step). The namespaces, the wire
# and every process started here are removed at the end, on failure too.
#
# The wire is scripts/faults-wire.py, not `tc netem`: kernels built without
# CONFIG_NET_SCH_NETEM (this CI machine's) refuse netem, and the wire does the same
# (loss, delay, reordering, a cut) on any kernel with TUN.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

skip() {
    echo "SKIP test-faults: $*"
    exit 0
}

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and TUN devices (run: sudo make test-faults)"
if ! command -v ip >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "==> installing iproute2 with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
    fi
    command -v ip >/dev/null 2>&1 || skip "needs iproute2 (the ip command)"
fi
[ -c /dev/net/tun ] || skip "no /dev/net/tun: this kernel or container has no TUN devices"

echo "==> building fault-peer"
cd "$root/Tests/UserPrograms"
log=$(mktemp)
if ! swift build --product fault-peer ${SWIFT_FLAGS:-} >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    rm -f "$log"
    exit 1
fi
rm -f "$log"
peer="$(swift build ${SWIFT_FLAGS:-} --show-bin-path)/fault-peer"
cd "$root"

# Names unique to this run: two runs (or two checkouts) never share a namespace.
tag="zf$$"
A="${tag}a" # the server's host, 10.77.0.1
B="${tag}b" # the client's host, 10.77.0.2 (and 10.77.0.3 when a scenario adds it)
tunA="${tag}ta"
tunB="${tag}tb"
hostA=10.77.0.1
work=$(mktemp -d)
wire_pid=
pids=()
failures=0
started=$SECONDS

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    [ -n "$wire_pid" ] && kill "$wire_pid" 2>/dev/null
    for ns in "$A" "$B"; do
        # Anything still running in our namespaces was started by this script.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    wait 2>/dev/null
    if [ -n "${KEEP:-}" ]; then echo "outputs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! error=$(ip netns add "$A" 2>&1); then
    skip "the machine refuses network namespaces (ip netns add: $error)"
fi
ip netns add "$B"

# The wire creates both TUN devices here; moved into the namespaces, they keep their
# descriptors in the wire.
: >"$work/wire.ctl"
python3 "$root/scripts/faults-wire.py" "$tunA" "$tunB" "$work/wire.ctl" "$work/wire.stats" >"$work/wire.out" 2>&1 &
wire_pid=$!
for _ in $(seq 1 50); do
    grep -q ready "$work/wire.out" 2>/dev/null && break
    sleep 0.1
done
grep -q ready "$work/wire.out" || skip "the wire could not open TUN devices: $(cat "$work/wire.out")"
ip link set "$tunA" netns "$A"
ip link set "$tunB" netns "$B"
ip -n "$A" addr add "$hostA" peer 10.77.0.2 dev "$tunA"
ip -n "$B" addr add 10.77.0.2 peer "$hostA" dev "$tunB"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set "$tunA" mtu 1500 up
ip -n "$B" link set "$tunB" mtu 1500 up
# A second address of the client's host, which scenarios remove to make a peer vanish.
ip -n "$A" route add 10.77.0.0/24 dev "$tunA"

# counter TEXT NAME: the wire's counter NAME in TEXT ("dropped=12" -> 12).
counter() { sed -nE "s/(^|.* )$2=([0-9]+).*/\2/p" <<<"$1"; }

# wire key=value...: the wire's faults from now on (cut, loss, delay, reorder; those not
# named are off).
# Each waits until the wire has read its control file again (its `updates` counter moves).
wire() {
    echo "$*" >"$work/wire.ctl"
    wire_figures >/dev/null
}

# wire_figures: the wire's counters so far (forwarded, dropped, reordered packets).
wire_figures() {
    local before tries=40
    before=$(counter "$(cat "$work/wire.stats")" updates)
    kill -HUP "$wire_pid"
    while [ "$(counter "$(cat "$work/wire.stats")" updates)" = "$before" ] && [ "$tries" -gt 0 ]; do
        sleep 0.05
        tries=$((tries - 1))
    done
    cat "$work/wire.stats"
}

# start NAME NAMESPACE ARGS...: runs fault-peer ARGS in NAMESPACE in the background,
# its output in $work/NAME.out; sets $last to its process id (the program itself:
# `ip netns exec` execs it).
start() {
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$peer" "$@" >"$work/$name.out" 2>&1 &
    last=$!
    pids+=("$last")
}

# run NAMESPACE SECONDS ARGS...: runs fault-peer ARGS in NAMESPACE, for SECONDS at most.
run() {
    local ns=$1 seconds=$2
    shift 2
    timeout "$seconds" ip netns exec "$ns" "$peer" "$@"
}

# await NAME PATTERN SECONDS: waits until NAME's output has a line matching PATTERN.
await() {
    local tries=$(($3 * 20))
    while [ "$tries" -gt 0 ]; do
        grep -qE "$2" "$work/$1.out" 2>/dev/null && return 0
        sleep 0.05
        tries=$((tries - 1))
    done
    echo "     (no \"$2\" from $1 within $3 s: $(tail -n 3 "$work/$1.out" | tr '\n' ' '))"
    return 1
}

# finish PID [SECONDS]: asks a server or sink to stop (SIGTERM) and waits for its tally.
finish() {
    kill -TERM "$1" 2>/dev/null
    local tries=$((${2:-5} * 20))
    while kill -0 "$1" 2>/dev/null && [ "$tries" -gt 0 ]; do
        sleep 0.05
        tries=$((tries - 1))
    done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# settle PID SECONDS: waits for a program that ends by itself, killing it after SECONDS;
# returns its status.
settle() {
    local tries=$(($2 * 20))
    while kill -0 "$1" 2>/dev/null && [ "$tries" -gt 0 ]; do
        sleep 0.05
        tries=$((tries - 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        echo "     (process $1 still running after $2 s: killed)"
        kill -9 "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
}

# endpoint NAME: the endpoint a program printed first.
endpoint() { head -n 1 "$work/$1.out"; }

# field TEXT WORD: the number after WORD in TEXT ("received 12, ..." -> 12).
field() { sed -nE "s/.*$2 ([0-9-]+).*/\1/p" <<<"$1" | head -n 1; }

now_ms() { date +%s%3N; }

# row SCENARIO HAPPENED LOST DUPLICATED REORDERED ALLOWED OK: one line of the table.
row() {
    local status="ok  "
    if [ "$7" != ok ]; then
        status=FAIL
        failures=$((failures + 1))
    fi
    echo "$status $1: $2"
    echo "| $1 | $2 | $3 | $4 | $5 | $6 |" >>"$work/table.md"
}

# stream_tally NAME GENERATION: the sink NAME's line for that generation.
stream_tally() { grep "^generation $2:" "$work/$1.out"; }

# The wire carries a stream before any scenario relies on it.
start sink "$A" sink endpoint=tcp://$hostA:5500 idle=500 limit=20
sink_pid=$last
await sink "^tcp://" 10 || true
run "$B" 20 source endpoint=tcp://$hostA:5500 count=10 >/dev/null
settle "$sink_pid" 20
grep -q "^generation 1: received 10," "$work/sink.out" ||
    { echo "FAIL the wire between the namespaces carries nothing: $(cat "$work/sink.out")"; exit 1; }
echo "==> the wire between $A and $B carries a stream"

# --- Cutting a link -------------------------------------------------------------------

section_cuts() {

# PUSH/PULL, cut for CUT seconds by FAULT (link: `ip link set down` on the client's host;
# wire: every packet dropped), with OPTIONS on both sockets.
cut_stream() {
    local name=$1 fault=$2 cut=$3 options=$4 count=$5
    start sink "$A" sink endpoint=tcp://$hostA:5501 idle=$((cut * 1000 + 3000)) limit=40 $options
    local sink_pid=$last
    await sink "^tcp://" 10 || true
    start source "$B" source endpoint=tcp://$hostA:5501 generation=1 count=$count interval=2 $options
    local source=$last
    sleep 1
    if [ "$fault" = link ]; then ip -n "$B" link set "$tunB" down; else wire cut=1; fi
    sleep "$cut"
    if [ "$fault" = link ]; then
        ip -n "$B" link set "$tunB" up
        ip -n "$B" route replace "$hostA" dev "$tunB" 2>/dev/null
    else
        wire cut=0
    fi
    settle "$source" 40
    await sink "^generation" 20 || finish "$sink_pid"
    settle "$sink_pid" 10
    local tally lost duplicated reordered
    tally=$(stream_tally sink 1)
    lost=$((count - $(field "$tally" received)))
    duplicated=$(field "$tally" duplicated)
    reordered=$(field "$tally" reordered)
    echo "     $tally"
    if [ -z "$options" ]; then
        local verdict=ok
        [ "$lost" -eq 0 ] && [ "$duplicated" -eq 0 ] && [ "$reordered" -eq 0 ] || verdict=fail
        row "$name" "link down ${cut} s mid-stream; TCP retransmitted once it was back, nothing dropped by either socket" \
            "$lost of $count" "$duplicated" "$reordered" "yes: nothing may be lost while the connection lives" "$verdict"
    else
        local verdict=ok holes
        holes=$(field "$tally" holes)
        [ "$duplicated" -eq 0 ] && [ "$reordered" -eq 0 ] || verdict=fail
        row "$name" "cut ${cut} s, longer than the heartbeat timeout: both ends closed the connection, the PUSH reconnected and went on" \
            "$lost of $count (missing: $(sed -n 's/.*missing //p' <<<"$tally"))" "$duplicated" "$reordered" \
            "yes: what a closed connection held (TCP buffers, its pipe) is lost; PUSH promises no more" "$verdict"
    fi
}

echo "==> cutting a link"
cut_stream "PUSH/PULL, link down 2 s" link 2 "" 1500
cut_stream "PUSH/PULL, cut 5 s, heartbeats 500 ms" wire 5 "heartbeat=500 reconnect=100" 4000

# REQ/REP (sync) and DEALER/ROUTER (async on both sides): requests one at a time, the
# wire cut for 2 s in the middle; the clients wait (timeout 10 s) rather than resend.
cut_requests() {
    local name=$1 server=$2 client=$3 count=200
    start server "$A" server endpoint=tcp://$hostA:5502 limit=40 $server
    local server_pid=$last
    await server "^tcp://" 10 || true
    start client "$B" client endpoint=tcp://$hostA:5502 count=$count interval=15 timeout=10000 retries=0 $client
    local client_pid=$last
    sleep 1
    wire cut=1
    sleep 2
    wire cut=0
    settle "$client_pid" 60
    local status=$?
    finish "$server_pid"
    local reply served
    reply=$(grep "^client:" "$work/client.out")
    served=$(grep "^server:" "$work/server.out")
    echo "     $reply"
    echo "     $served"
    local answered duplicated verdict=ok
    answered=$(field "$reply" answered)
    duplicated=$(field "$served" "duplicated requests")
    [ "$status" -eq 0 ] && [ "$answered" = "$count" ] && [ "$duplicated" = 0 ] || verdict=fail
    row "$name" "cut 2 s mid-run: the request in flight waited, TCP delivered it and its reply once the wire was back" \
        "$((count - answered)) of $count" "$duplicated" "0 (each reply matched its request)" \
        "yes: nothing may be lost while the connection lives" "$verdict"
}
cut_requests "REQ/REP, cut 2 s" "kind=rep" "kind=req"
cut_requests "DEALER/ROUTER async, cut 2 s" "async=1" "kind=dealer async=1"
}

# --- Heartbeats -----------------------------------------------------------------------

section_heartbeats() {

echo "==> heartbeats"
# Two servers, one with heartbeats (500 ms, timeout 1.5 s) and one without; a client of
# each holds its connection; then the wire is cut (the client's host is gone, no FIN or
# RST ever comes) and the servers' monitors tell when they saw the disconnection.
start hb "$A" server endpoint=tcp://$hostA:5511 monitor=1 heartbeat=500 heartbeat-timeout=1500 limit=40
hb=$last
start nohb "$A" server endpoint=tcp://$hostA:5512 monitor=1 limit=40
nohb=$last
await hb "^tcp://" 10 && await nohb "^tcp://" 10
start hbclient "$B" client endpoint=tcp://$hostA:5511 kind=dealer count=1 hold=30000
hbclient=$last
start nohbclient "$B" client endpoint=tcp://$hostA:5512 kind=dealer count=1 hold=30000
nohbclient=$last
await hbclient "answered 1 of 1" 10 && await nohbclient "answered 1 of 1" 10
wire cut=1
cut_at=$(now_ms)
await hb " disconnected" 6 >/dev/null
sleep 1 # the server without heartbeats gets as long as the bound, and a second more
silent_for=$(($(now_ms) - cut_at))
nohb_saw=$(grep -c " disconnected" "$work/nohb.out")
wire cut=0
kill -9 "$hbclient" "$nohbclient" 2>/dev/null
wait "$hbclient" "$nohbclient" 2>/dev/null
finish "$hb"
finish "$nohb"
seen_at=$(grep -m1 " disconnected" "$work/hb.out" | awk '{print $2}')
if [ -n "$seen_at" ]; then
    took=$((seen_at - cut_at))
    verdict=ok
    [ "$took" -le 3000 ] || verdict=fail
    row "heartbeats 500 ms, timeout 1.5 s, peer's host gone" "the monitor showed disconnected ${took} ms after the cut (bound: 500 + 1500 ms, and a tick)" \
        "-" "-" "-" "yes: the connection is closed, and the ROUTER forgets the peer" "$verdict"
else
    row "heartbeats 500 ms, timeout 1.5 s, peer's host gone" "no disconnected event within 6 s" "-" "-" "-" "-" fail
fi
if [ "$nohb_saw" -gt 0 ]; then
    row "no heartbeats, peer's host gone" "disconnected reported although nothing could tell" "-" "-" "-" "-" fail
else
    row "no heartbeats, peer's host gone" "no disconnected event in $silent_for ms: the dead connection looks alive" \
        "-" "-" "-" "yes: without heartbeats (or TCP keepalive) nothing detects a silent peer" ok
fi
}

# --- A peer that vanishes mid-handshake -----------------------------------------------

section_handshakes() {

echo "==> peers vanishing mid-handshake"
# Twenty peers from 10.77.0.3 stop in the middle of the handshake (plain: half a
# greeting; CURVE: a whole greeting, then no HELLO), and their host vanishes (the address
# is removed: no FIN, no RST). The servers (handshake limit 2 s) serve other clients all
# the while, and their monitors show the half-open connections given up.
ip -n "$B" addr add 10.77.0.3/32 dev "$tunB"
start plain "$A" server endpoint=tcp://$hostA:5521 monitor=1 handshake=2000 limit=40
plain=$last
start curve "$A" server endpoint=tcp://$hostA:5522 monitor=1 handshake=2000 curve=1 limit=40
curve=$last
await plain "^tcp://" 10 && await curve "^key " 10
ip netns exec "$B" python3 - "$hostA" >"$work/vanish.out" 2>&1 <<'EOF' &
import socket, sys, time
host = sys.argv[1]
signature = b"\xff" + b"\0" * 8 + b"\x7f"
curve = signature + b"\x03\x00" + b"CURVE".ljust(20, b"\0") + b"\0" + b"\0" * 31
peers = []
for port, greeting, read in ((5521, signature[:6], 0), (5522, curve, 64)):
    for _ in range(20):
        peer = socket.socket()
        peer.bind(("10.77.0.3", 0))
        peer.connect((host, port))
        peer.sendall(greeting)
        got = b""
        while len(got) < read:
            got += peer.recv(read - len(got))
        peers.append(peer)
print("stopped", len(peers), flush=True)
time.sleep(60)
EOF
vanish=$!
pids+=("$vanish")
for _ in $(seq 1 100); do grep -q stopped "$work/vanish.out" && break; sleep 0.05; done
ip -n "$B" addr del 10.77.0.3/32 dev "$tunB"
key=$(sed -n 's/^key //p' "$work/curve.out")
plain_reply=$(run "$B" 30 client endpoint=tcp://$hostA:5521 kind=dealer count=100 timeout=2000)
curve_reply=$(run "$B" 30 client endpoint=tcp://$hostA:5522 kind=dealer count=100 timeout=2000 server-key="$key")
sleep 2.5 # the handshake limit, and half a second
kill -9 "$vanish" 2>/dev/null
wait "$vanish" 2>/dev/null
finish "$plain"
finish "$curve"
for mechanism in plain curve; do
    reply=${mechanism}_reply
    failed=$(grep -c "handshake failed" "$work/$mechanism.out")
    closed=$(grep -c " disconnected" "$work/$mechanism.out")
    echo "     $mechanism: ${!reply}; monitor: $failed handshakes failed, $closed disconnected"
    verdict=ok
    [ "$(field "${!reply}" answered)" = 100 ] && [ "$closed" -ge 20 ] || verdict=fail
    row "20 peers vanish mid-handshake ($mechanism)" \
        "another client was served 100 of 100 meanwhile; after the 2 s handshake limit the monitor showed $failed failed handshakes and $closed disconnections" \
        "0" "0" "0" "yes: a handshake that never ends is given up after handshakeInterval" "$verdict"
done
}

# --- A peer killed with SIGKILL and restarted -----------------------------------------

section_kills() {

echo "==> peers killed with SIGKILL and restarted"
# A sync PUSH sender is killed mid-stream and a second one (generation 2) started; the
# receiver is an async PULL that stays up. Then the other way round: a sync server is
# killed and restarted on the same endpoint, under an async DEALER client that resends
# what goes unanswered for 500 ms.
kill_sender() {
    local transport=$1 endpoint=$2 ns=$3
    start sink "$A" sink endpoint="$endpoint" async=1 idle=3000 limit=40
    local sink_pid=$last
    await sink "^(tcp|ipc)://" 10 || true
    start source "$ns" source endpoint="$endpoint" generation=1 count=3000 interval=1 progress=1
    local source=$last
    sleep 1
    kill -9 "$source"
    wait "$source" 2>/dev/null
    local sent
    sent=$(grep -c "^sent" "$work/source.out")
    run "$ns" 30 source endpoint="$endpoint" generation=2 count=500 >/dev/null
    await sink "^generation 2" 20 || finish "$sink_pid"
    settle "$sink_pid" 10
    local first second
    first=$(stream_tally sink 1)
    second=$(stream_tally sink 2)
    echo "     killed after $sent sends; $first"
    echo "     restarted: $second"
    local received lost verdict=ok
    received=$(field "$first" received)
    lost=$((sent - received))
    [ "$lost" -lt 0 ] && lost=0 # the send that was under way when the kill came
    [ "$(field "$first" duplicated)" = 0 ] && [ "$(field "$first" reordered)" = 0 ] &&
        [ "$(field "$second" received)" = 500 ] && [ "$(field "$second" holes)" = 0 ] || verdict=fail
    row "PUSH killed and restarted ($transport), async PULL" \
        "the PULL went on; of the killed sender's $sent sends $received arrived, in order; the new sender's 500 all arrived" \
        "$lost of $sent" "0" "0" "yes: what the killed process still queued dies with it" "$verdict"
}
kill_sender tcp "tcp://$hostA:5531" "$B"
kill_sender ipc "ipc://$work/kill.ipc" "$A"

kill_server() {
    local transport=$1 endpoint=$2 ns=$3 count=300
    start server "$A" server endpoint="$endpoint" limit=40
    local first=$last
    await server "^(tcp|ipc)://" 10 || true
    start client "$ns" client endpoint="$endpoint" kind=dealer async=1 count=$count interval=5 timeout=500 retries=10 reconnect=100
    local client_pid=$last
    sleep 1
    kill -9 "$first"
    wait "$first" 2>/dev/null
    sleep 1
    [ "$transport" = ipc ] && rm -f "${endpoint#ipc://}"
    start server2 "$A" server endpoint="$endpoint" limit=40
    local second=$last
    settle "$client_pid" 60
    local status=$?
    finish "$second"
    local reply served
    reply=$(grep "^client:" "$work/client.out")
    served=$(grep "^server:" "$work/server2.out")
    echo "     $reply"
    echo "     restarted $served"
    local verdict=ok
    [ "$status" -eq 0 ] && [ "$(field "$reply" wrong)" = 0 ] || verdict=fail
    row "server killed and restarted ($transport), async DEALER client" \
        "the client resent $(field "$reply" resent) unanswered requests and got all $count replies" \
        "0 of $count (after resending)" \
        "$(field "$served" "duplicated requests") requests executed twice by the new server; $(field "$reply" "stale replies") late replies skipped by the client" "0" \
        "yes: the request in the killed server is lost; resending is the application's part" "$verdict"
}
kill_server tcp "tcp://$hostA:5532" "$B"
kill_server ipc "ipc://$work/server.ipc" "$A"
}

# --- A DEALER with a fixed routing id reconnects --------------------------------------

section_handover() {

echo "==> a DEALER with a fixed routing id reconnecting"
# The first DEALER ("client-1") connects from 10.77.0.3; its host vanishes (the address
# removed, then the process killed: no FIN reaches the server), and a second DEALER with
# the same routing id connects from 10.77.0.2.
handover() {
    local handover=$1
    ip -n "$B" addr add 10.77.0.3/32 dev "$tunB"
    start server "$A" server endpoint=tcp://$hostA:5541 handover=$handover limit=40
    local server_pid=$last
    await server "^tcp://" 10 || true
    start first "$B" client "endpoint=tcp://10.77.0.3:0;$hostA:5541" kind=dealer id=client-1 count=5 hold=30000
    local first_pid=$last
    await first "answered 5 of 5" 10 || true
    ip -n "$B" addr del 10.77.0.3/32 dev "$tunB"
    kill -9 "$first_pid"
    wait "$first_pid" 2>/dev/null
    local reply
    reply=$(run "$B" 30 client endpoint=tcp://$hostA:5541 kind=dealer id=client-1 count=5 timeout=500 retries=2)
    finish "$server_pid"
    echo "     second DEALER: $reply"
    local answered verdict=ok
    answered=$(field "$reply" answered)
    if [ "$handover" = 1 ]; then
        [ "$answered" = 5 ] || verdict=fail
        row "DEALER id client-1 reconnects, routerHandover on" \
            "the new connection took the id over: 5 of 5 answered" "0" "0" "0" \
            "yes" "$verdict"
    else
        [ "$answered" = 0 ] || verdict=fail
        row "DEALER id client-1 reconnects, routerHandover off" \
            "the ROUTER kept the id for the dead connection and ignored the new one: 0 of 5 answered, abandoned after 3 tries" \
            "5 of 5 requests" "0" "0" \
            "yes: a ROUTER refuses a routing id in use; routerHandover (or heartbeats, to end the dead connection) is the remedy" "$verdict"
    fi
}
handover 0
handover 1
}

# --- The lazy pirate ------------------------------------------------------------------

section_pirate() {

echo "==> the lazy pirate"
start server "$A" server endpoint=tcp://$hostA:5551 drop=4 limit=40
server_pid=$last
await server "^tcp://" 10 || true
reply=$(run "$B" 30 client endpoint=tcp://$hostA:5551 kind=req count=20 timeout=500 retries=3 tag=dropped)
finish "$server_pid"
served=$(grep "^server:" "$work/server.out")
echo "     $reply"
echo "     $served"
verdict=ok
[ "$(field "$reply" answered)" = 20 ] && [ "$(field "$reply" resent)" = 1 ] &&
    [ "$(field "$served" "duplicated requests")" = 1 ] || verdict=fail
row "lazy pirate, the server drops one reply" \
    "the REQ timed out (500 ms), was closed and a new one resent: 20 of 20 answered" \
    "0 of 20" "1 request executed twice; 0 replies" "0" \
    "yes: the lazy pirate is at least once; the server must tolerate a repeated request" "$verdict"

start server "$A" server endpoint=tcp://$hostA:5552 limit=40
server_pid=$last
await server "^tcp://" 10 || true
start client "$B" client endpoint=tcp://$hostA:5552 kind=req count=60 interval=20 timeout=500 retries=5 tag=cut
client_pid=$last
sleep 0.6
wire loss=1
sleep 1.5
wire loss=0
settle "$client_pid" 60
status=$?
finish "$server_pid"
reply=$(grep "^client:" "$work/client.out")
served=$(grep "^server:" "$work/server.out")
echo "     $reply"
echo "     $served"
verdict=ok
[ "$status" -eq 0 ] && [ "$(field "$reply" resent)" -ge 1 ] || verdict=fail
row "lazy pirate, 100% loss for 1.5 s" \
    "the REQ timed out, resent $(field "$reply" resent) times on new sockets, and got 60 of 60 once the wire was back" \
    "0 of 60" "$(field "$served" "duplicated requests") requests executed twice; 0 replies" "0" \
    "yes: a request may reach the server and its reply be lost; the client resends" "$verdict"
}

# --- Loss, delay and reordering: TCP hides them ---------------------------------------

section_stream() {

echo "==> a numbered stream through loss, delay and reordering"
throughput() {
    local name=$1 faults=$2 count=20000
    wire $faults
    local before
    before=$(wire_figures)
    start sink "$A" sink endpoint=tcp://$hostA:5561 idle=5000 limit=90
    local sink_pid=$last
    await sink "^tcp://" 10 || true
    run "$B" 90 source endpoint=tcp://$hostA:5561 generation=1 count=$count size=100 >/dev/null
    await sink "^generation" 30 || finish "$sink_pid"
    settle "$sink_pid" 10
    local after tally
    after=$(wire_figures)
    wire cut=0
    tally=$(stream_tally sink 1)
    local received took rate
    received=$(field "$tally" received)
    took=$(field "$tally" in)
    [ "$took" -gt 0 ] || took=1
    rate=$((received * 1000 / took))
    local dropped reordered
    dropped=$(($(counter "$after" dropped) - $(counter "$before" dropped)))
    reordered=$(($(counter "$after" reordered) - $(counter "$before" reordered)))
    echo "     $name: $tally; the wire dropped $dropped packets and reordered $reordered; $rate msg/s"
    local verdict=ok
    [ "$received" = "$count" ] && [ "$(field "$tally" duplicated)" = 0 ] && [ "$(field "$tally" reordered)" = 0 ] || verdict=fail
    row "$count × 100 B, $name" "the wire dropped $dropped and reordered $reordered packets; $rate msg/s ($took ms)" \
        "$((count - received))" "$(field "$tally" duplicated)" "$(field "$tally" reordered)" \
        "yes: TCP retransmits and reorders below ZeroMQ" "$verdict"
}
throughput "clean wire" "cut=0"
throughput "50 ms delay each way, 25% reordered" "delay=0.05 reorder=0.25"
throughput "5% loss, 50 ms delay, 25% reordered, each way" "loss=0.05 delay=0.05 reorder=0.25"
}

# ONLY=REGEX runs the sections whose names match (cuts, heartbeats, handshakes, kills,
# handover, pirate, stream); KEEP=1 keeps the programs' outputs in $work.
for section in cuts heartbeats handshakes kills handover pirate stream; do
    [[ "$section" =~ ${ONLY:-.} ]] && "section_$section"
done

echo
echo "| Scenario | What happened | Lost | Duplicated | Reordered | Allowed by ZeroMQ's semantics |"
echo "|---|---|---|---|---|---|"
cat "$work/table.md"
echo
echo "test-faults: $failures failed, in $((SECONDS - started)) s"
[ "$failures" -eq 0 ]
