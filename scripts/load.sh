#!/usr/bin/env bash
# `make load`: many connections, many clients and a proxy under sustained load, over tcp
# on loopback, every message accounted for (Docs/Reliability.md, "Leaks, soak and load").
#
#   1. One blocking ROUTER, ROUTER_PROCS processes of ROUTER_DEALERS DEALERs each (one
#      connection per DEALER): every request answered once, to the DEALER that sent it.
#   2. An async ROUTER (one `for try await` loop on the reactor) serving ASYNC_PROCS
#      processes of ASYNC_DEALERS concurrent DEALER tasks.
#   3. A managed proxy (ROUTER frontend, DEALER backend) with PROXY_WORKERS worker
#      processes and PROXY_PROCS client processes keeping PROXY_WINDOW requests in flight
#      per DEALER: the statistics must add up (frontend in = backend out, backend in =
#      frontend out, in messages and in bytes, and the messages are the requests' frames).
#
# Each server's open descriptors are sampled while it serves. Everything runs under
# `timeout`, and every process it started is ended when it ends, failed or not.
set -euo pipefail
cd "$(dirname "$0")/../Tests/UserPrograms"

ROUTER_PROCS=${ROUTER_PROCS:-5} ROUTER_DEALERS=${ROUTER_DEALERS:-100} ROUTER_REQUESTS=${ROUTER_REQUESTS:-200}
ASYNC_PROCS=${ASYNC_PROCS:-4} ASYNC_DEALERS=${ASYNC_DEALERS:-250} ASYNC_REQUESTS=${ASYNC_REQUESTS:-50}
PROXY_PROCS=${PROXY_PROCS:-4} PROXY_DEALERS=${PROXY_DEALERS:-25} PROXY_REQUESTS=${PROXY_REQUESTS:-40000}
PROXY_WORKERS=${PROXY_WORKERS:-2} PROXY_WINDOW=${PROXY_WINDOW:-20}

# A thousand connections need a thousand descriptors in the server, plus libzmq's own
# (a mailbox per socket, the io thread's poller); the client processes need one per
# DEALER socket and one per connection. Raise the soft limit to 4096 where it is lower.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
    ulimit -n 4096 || { echo "load: cannot raise the descriptor limit to 4096 (hard limit $(ulimit -Hn))"; exit 1; }
fi
echo "load: descriptor limit (ulimit -n) $(ulimit -n), $(nproc) cores, $(uname -srm)"

log=$(mktemp)
if ! swift build -c release ${SWIFT_FLAGS:-} >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    exit 1
fi
rm -f "$log"
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
cleanup() {
    local pid
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
failures=0

# first_line FILE: waits (5 s at most) for FILE's first line and prints it.
first_line() {
    for _ in $(seq 1 100); do
        [ "$(wc -l <"$1")" -ge 1 ] && break
        sleep 0.05
    done
    head -n 1 "$1"
}

# watch_fds PID FILE: writes the most descriptors that PID's child (the program that
# `timeout` runs) had open, sampled every 0.1 s.
watch_fds() {
    local most=0 now child=""
    while kill -0 "$1" 2>/dev/null; do
        [ -n "$child" ] || child=$(pgrep -P "$1" | head -n 1)
        now=$(ls "/proc/${child:-$1}/fd" 2>/dev/null | wc -l)
        [ "$now" -gt "$most" ] && most=$now && echo "$most" >"$2"
        sleep 0.1
    done
}

# clients ENDPOINT PROCS DEALERS REQUESTS WINDOW PREFIX [gate]: starts the client
# processes and waits for them; each writes its lines to $work/PREFIX-N.out. With
# `gate`, every DEALER of every process connects and has one request answered before
# any sends the rest: all are connected at once.
clients() {
    local pids=() n gate=()
    [ "${7:-}" = gate ] && gate=("$work/$6.gate")
    for n in $(seq 1 "$2"); do
        timeout 240 "$bin/load-dealers" "$1" "$3" "$4" "$5" "p$n" "${gate[@]}" >"$work/$6-$n.out" 2>&1 &
        pids+=($!)
    done
    if [ ${#gate[@]} -eq 1 ]; then
        for _ in $(seq 1 600); do
            [ "$(cat "$work/$6"-*.out | grep -c '^ready$')" -ge "$2" ] && break
            sleep 0.1
        done
        touch "${gate[0]}"
    fi
    local status=0
    for n in "${pids[@]}"; do wait "$n" || status=1; done
    return $status
}

# check_clients PREFIX PROCS DEALERS REQUESTS: every client process printed a clean line.
check_clients() {
    local n bad=0
    for n in $(seq 1 "$2"); do
        if [ "$(tail -n 1 "$work/$1-$n.out")" != "$3 dealers: $(($3 * $4)) of $(($3 * $4)) replies, 0 missing, 0 duplicated, 0 foreign" ]; then
            echo "     client $n: $(cat "$work/$1-$n.out")"
            bad=1
        fi
    done
    return $bad
}

# router_scenario MODE PROCS DEALERS REQUESTS: one ROUTER, PROCS x DEALERS connections.
router_scenario() {
    local mode=$1 procs=$2 dealers=$3 requests=$4
    local total=$((procs * dealers * requests)) connections=$((procs * dealers))
    : >"$work/router.out"
    echo 0 >"$work/router.fds"
    timeout 240 "$bin/load-router" "$mode" "$total" 20000 >"$work/router.out" 2>&1 &
    local router=$!
    watch_fds "$router" "$work/router.fds" &
    local endpoint started=$SECONDS
    endpoint=$(first_line "$work/router.out")
    local client_status=0 server_status=0
    clients "$endpoint" "$procs" "$dealers" "$requests" 1 "$mode" gate || client_status=$?
    wait "$router" || server_status=$?
    local took=$((SECONDS - started))
    local served expected="served $total requests from $connections peers, $total replies sent"
    local expected_most=$connections
    served=$(sed -n 2p "$work/router.out")
    local most=${served##*sent, }
    most=${most%% *}
    served=${served%, * connections at most at once}
    local line="$mode ROUTER: $connections DEALERs in $procs processes, $requests requests each: $served; $most connections open at once (monitor), the server's descriptors at most $(cat "$work/router.fds") (sampled); ${took}s"
    if [ "$served" != "$expected" ] || [ "$most" != "$expected_most" ] || [ $client_status -ne 0 ] || [ $server_status -ne 0 ] \
        || ! check_clients "$mode" "$procs" "$dealers" "$requests"; then
        echo "FAIL $line (exit: server $server_status, clients $client_status)"
        failures=$((failures + 1))
    else
        echo "ok   $line"
    fi
}

# proxy_scenario: a broker with workers behind it and clients in front, sustained.
proxy_scenario() {
    local total=$((PROXY_PROCS * PROXY_DEALERS * PROXY_REQUESTS))
    rm -f "$work/proxy.in" && mkfifo "$work/proxy.in"
    : >"$work/proxy.out"
    timeout 300 "$bin/load-proxy" <"$work/proxy.in" >"$work/proxy.out" 2>&1 &
    local proxy=$!
    exec 9>"$work/proxy.in"
    for _ in $(seq 1 100); do
        [ "$(wc -l <"$work/proxy.out")" -ge 2 ] && break
        sleep 0.05
    done
    local frontend backend n
    frontend=$(sed -n 1p "$work/proxy.out")
    backend=$(sed -n 2p "$work/proxy.out")
    local workers=()
    for n in $(seq 1 "$PROXY_WORKERS"); do
        timeout 300 "$bin/load-worker" "$backend" 3000 >"$work/worker-$n.out" 2>&1 &
        workers+=($!)
    done
    local started=$SECONDS client_status=0
    clients "$frontend" "$PROXY_PROCS" "$PROXY_DEALERS" "$PROXY_REQUESTS" "$PROXY_WINDOW" proxy &
    local client_group=$!
    # A statistics line a second while the load runs.
    while kill -0 "$client_group" 2>/dev/null; do
        echo stats >&9
        sleep 1
    done
    wait "$client_group" || client_status=$?
    local took=$((SECONDS - started))
    for n in "${workers[@]}"; do wait "$n" || client_status=1; done
    exec 9>&-
    local proxy_status=0
    wait "$proxy" || proxy_status=$?
    local final
    final=$(grep '^stats' "$work/proxy.out" | tail -n 1)
    read -r _ fin fbin fout fbout bin_ bbin bout bbout <<<"$final"
    local echoed
    echoed=$(cat "$work"/worker-*.out | awk '{ sum += $2 } END { print sum }')
    # Requests a second, from the statistics taken each second: the slowest and the
    # fastest whole second (the first and the last are partial).
    local rates
    rates=$(grep '^stats' "$work/proxy.out" | awk 'NR > 1 { print $2 - previous } { previous = $2 }' | sed '1d;$d' | sort -n)
    local slowest fastest
    slowest=$(head -n 1 <<<"$rates") fastest=$(tail -n 1 <<<"$rates")
    local line="proxy: $((PROXY_PROCS * PROXY_DEALERS)) DEALERs in $PROXY_PROCS processes, $PROXY_REQUESTS requests each ($total), $PROXY_WORKERS workers echoed $echoed; frontend in $fin ($fbin B), backend out $bout ($bbout B); backend in $bin_ ($bbin B), frontend out $fout ($fbout B); ${took}s, ${slowest:-?} to ${fastest:-?} requests a second"
    # libzmq counts a multipart message as one (the routing id the ROUTER adds and the
    # payload): each request is one message in at the frontend and one out at the
    # backend, and each reply one in at the backend and one out at the frontend.
    if [ "$fin" != "$bout" ] || [ "$fbin" != "$bbout" ] || [ "$bin_" != "$fout" ] || [ "$bbin" != "$fbout" ] \
        || [ "$fin" != "$total" ] || [ "$fout" != "$total" ] || [ "$echoed" != "$total" ] \
        || [ $client_status -ne 0 ] || [ $proxy_status -ne 0 ] \
        || ! check_clients proxy "$PROXY_PROCS" "$PROXY_DEALERS" "$PROXY_REQUESTS"; then
        echo "FAIL $line (exit: proxy $proxy_status, clients and workers $client_status)"
        failures=$((failures + 1))
    else
        echo "ok   $line"
    fi
}

started=$SECONDS
router_scenario sync "$ROUTER_PROCS" "$ROUTER_DEALERS" "$ROUTER_REQUESTS"
router_scenario async "$ASYNC_PROCS" "$ASYNC_DEALERS" "$ASYNC_REQUESTS"
proxy_scenario
if [ "$failures" -ne 0 ]; then
    echo "load: $failures failed ($((SECONDS - started)) s)"
    exit 1
fi
echo "load: all passed ($((SECONDS - started)) s)"
