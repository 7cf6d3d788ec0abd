#!/usr/bin/env bash
# Programs that send and then end, run as a user runs them: each sender is its own
# process, written in a package of its own (Tests/UserPrograms) that depends on
# swift-zeromq, and a receiver in another process counts what arrived. Then a broker,
# an async server, README's async top-level code, and a top-level file that must not
# compile.
#
# Every scenario runs RUNS times (default 3); any lost message, or a sender that does
# not exit within its bound, fails the script.
set -euo pipefail
cd "$(dirname "$0")/../Tests/UserPrograms"

runs=${RUNS:-3}
log=$(mktemp)
if ! swift build ${SWIFT_FLAGS:-} >"$log" 2>&1; then
    grep -v "prohibited flag" "$log"
    exit 1
fi
tail -n 1 "$log" && rm -f "$log"
bin=$(swift build ${SWIFT_FLAGS:-} --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# scenario NAME EXPECTED SENDER ARGS...: starts a receiver expecting EXPECTED messages,
# runs the sender against it, and checks the count and the sender's exit; `times`, when
# set, overrides the number of runs.
scenario() {
    local name=$1 expected=$2
    shift 2
    local run
    for run in $(seq 1 "${times:-$runs}"); do
        : >"$work/receiver.out"
        timeout 60 "$bin/exit-receiver" "$expected" 3000 >"$work/receiver.out" &
        local receiver=$!
        for _ in $(seq 1 200); do
            [ "$(wc -l <"$work/receiver.out")" -ge 1 ] && break
            sleep 0.05
        done
        local endpoint
        endpoint=$(head -n 1 "$work/receiver.out")
        local started=$SECONDS status=0
        timeout 30 "$bin/$1" "$endpoint" "${@:2}" || status=$?
        local took=$((SECONDS - started))
        wait "$receiver" || true
        local result
        result=$(sed -n 2p "$work/receiver.out")
        if [ "$status" -ne 0 ]; then
            echo "FAIL $name (run $run): sender exited with $status after ${took}s; $result"
            failures=$((failures + 1))
        elif [[ "$result" != "received $expected messages"* ]]; then
            echo "FAIL $name (run $run): expected $expected messages, $result"
            failures=$((failures + 1))
        else
            echo "ok   $name (run $run): $result, sender took ${took}s"
        fi
    done
}

# dead-peer NAME SENDER ARGS...: the sender connects to a port where nobody listens;
# it must still exit, within its linger (1 s) and a margin.
dead_peer() {
    local name=$1 started=$SECONDS status=0
    shift
    timeout 30 "$bin/$1" tcp://127.0.0.1:1 "${@:2}" || status=$?
    local took=$((SECONDS - started))
    if [ "$status" -ne 0 ] || [ "$took" -gt 5 ]; then
        echo "FAIL $name: exit status $status after ${took}s (bound: 5s)"
        failures=$((failures + 1))
    else
        echo "ok   $name: exited in ${took}s"
    fi
}

MiB=$((1024 * 1024))
scenario "top-level: one 50 MiB message, then the end"          1   exit-top-level 0 $((50 * MiB))
scenario "top-level: 100 small and 20 MiB, then the end"        101 exit-top-level 100 $((20 * MiB))
scenario "top-level: 100 small and 20 MiB, push.close()"        101 exit-top-level 100 $((20 * MiB)) close
scenario "top-level: 100 small and 20 MiB, context.close()"     101 exit-top-level 100 $((20 * MiB)) context-close
times=$((runs * 3)) scenario "top-level: a ventilator's one start message" 1 exit-top-level 1 0
scenario "async top-level: 100 small, 20 MiB from a task"       101 exit-async 100 $((20 * MiB))
scenario "@main: 100 small and 20 MiB, then the end"            101 exit-main 100 $((20 * MiB))
dead_peer "top-level: no peer, then the end"                    exit-top-level 10 $MiB
dead_peer "async top-level: no peer, then the end"              exit-async 10 $MiB
dead_peer "@main: no peer, then the end"                        exit-main 10 $MiB

# broker: a broker process (a managed proxy in top-level code), two worker processes and
# a client process; every reply must come back, and the broker must end promptly after
# its last line, its proxy stopped by the exit handler.
broker() {
    local run
    for run in $(seq 1 "$runs"); do
        rm -f "$work/broker.in" "$work/broker.out" && mkfifo "$work/broker.in"
        : >"$work/broker.out"
        timeout 60 "$bin/broker" >"$work/broker.out" <"$work/broker.in" &
        local broker=$!
        exec 9>"$work/broker.in"
        # Both endpoints, read once both lines are there.
        for _ in $(seq 1 200); do
            [ "$(wc -l <"$work/broker.out")" -ge 2 ] && break
            sleep 0.05
        done
        local frontend backend
        frontend=$(sed -n 1p "$work/broker.out")
        backend=$(sed -n 2p "$work/broker.out")
        timeout 60 "$bin/broker-worker" "$backend" 2000 >"$work/worker1.out" &
        local worker1=$!
        timeout 60 "$bin/broker-worker" "$backend" 2000 >"$work/worker2.out" &
        local worker2=$!
        local client
        client=$(timeout 60 "$bin/broker-client" "$frontend" 50 || true)
        wait "$worker1" "$worker2" || true
        local started=$SECONDS status=0
        echo stop >&9
        exec 9>&-
        wait "$broker" || status=$?
        local took=$((SECONDS - started))
        local answered
        answered=$(cat "$work/worker1.out" "$work/worker2.out" | tr '\n' ' ')
        if [ "$client" != "handshake true, 50 of 50 replies correct" ] || [ "$status" -ne 0 ] \
            || [ "$took" -gt 5 ] || ! grep -q "frontend in 50, backend in 50" "$work/broker.out"; then
            echo "FAIL broker (run $run): client '$client'; workers $answered; broker exit $status after ${took}s: $(sed -n 3p "$work/broker.out")"
            failures=$((failures + 1))
        else
            echo "ok   broker (run $run): $client; workers $answered; $(sed -n 3p "$work/broker.out"); broker ended in ${took}s"
        fi
    done
}
broker

# async: a server process answering from one `for try await` loop on the reactor, and
# three client processes that each send 100 requests at once and await the replies; the
# server ends after the 300th reply, and its replies are delivered as it ends.
async_server() {
    local run
    for run in $(seq 1 "$runs"); do
        : >"$work/server.out"
        timeout 60 "$bin/async-server" 300 >"$work/server.out" &
        local server=$!
        for _ in $(seq 1 200); do
            [ "$(wc -l <"$work/server.out")" -ge 1 ] && break
            sleep 0.05
        done
        local endpoint
        endpoint=$(head -n 1 "$work/server.out")
        local clients=()
        for n in 1 2 3; do
            timeout 60 "$bin/async-client" "$endpoint" 100 >"$work/client$n.out" &
            clients+=($!)
        done
        wait "${clients[@]}" || true
        local status=0
        wait "$server" || status=$?
        local replies
        replies=$(cat "$work/client1.out" "$work/client2.out" "$work/client3.out" | tr '\n' ';')
        if [ "$replies" != "100 of 100 replies correct;100 of 100 replies correct;100 of 100 replies correct;" ] \
            || [ "$status" -ne 0 ] || [ "$(sed -n 2p "$work/server.out")" != "served 300" ]; then
            echo "FAIL async server (run $run): clients '$replies'; server exit $status: $(sed -n 2p "$work/server.out")"
            failures=$((failures + 1))
        else
            echo "ok   async server (run $run): $replies $(sed -n 2p "$work/server.out")"
        fi
    done
}
async_server

# devices: monitors and a proxy in async top-level code, as the docs show them.
devices_status=0
devices_out=$(timeout 60 "$bin/devices-top-level" 2>&1) || devices_status=$?
if [ "$devices_status" -ne 0 ]; then
    echo "FAIL devices at top level (exit $devices_status):"
    echo "$devices_out" | sed 's/^/     /'
    failures=$((failures + 1))
else
    echo "ok   devices at top level: $(echo "$devices_out" | grep -c '^ok') checks"
fi

# async top level: README's top-level async code (a `for try await` loop over a global
# socket, @MainActor functions, a wait for readiness) runs and prints what it says.
async_top_level() {
    local output status=0
    output=$(timeout 30 "$bin/async-top-level" | tr '\n' ';') || status=$?
    if [ "$status" -ne 0 ] || [ "$output" != "job 1;job 2;job 3;[];nothing within 50 ms;" ]; then
        echo "FAIL async top-level: exit $status, printed '$output'"
        failures=$((failures + 1))
    else
        echo "ok   async top-level: $output"
    fi
}
async_top_level

# top-level await: a main.swift that writes `try await push.send(...)` and
# `try await pull.receive()` must not compile (Swift resolves both to the blocking
# forms there), and each error must say what to do. Type-checked only: well under a
# second.
top_level_await() {
    local file=CompileFailures/top-level-await.swift output status=0
    output=$(swiftc -typecheck -swift-version 6 -I "$bin/Modules" -I ../../Sources/CZeroMQ "$file" 2>&1) || status=$?
    local advice="move the socket code into an async function or @main"
    if [ "$status" -eq 0 ]; then
        echo "FAIL top-level await: $file compiled; a blocking call under 'await' must not"
        failures=$((failures + 1))
    elif ! grep -q "instance method 'send' is unavailable from asynchronous contexts.*$advice" <<<"$output" \
        || ! grep -q "instance method 'receive' is unavailable from asynchronous contexts.*$advice" <<<"$output"; then
        echo "FAIL top-level await: not the noasync errors for send and receive:"
        grep "error:" <<<"$output" | sort -u
        failures=$((failures + 1))
    else
        echo "ok   top-level await: 'try await' on a send and a receive does not compile, and says what to do"
    fi
}
top_level_await

if [ "$failures" -ne 0 ]; then
    echo "user programs: $failures failed"
    exit 1
fi
echo "user programs: all passed"
