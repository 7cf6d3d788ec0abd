#!/usr/bin/env bash
# `make leaks`: no definite leak in the library (Docs/Reliability.md, "Leaks, soak and
# load").
#
#   1. The whole test suite under LeakSanitizer. The toolchain's clang runtime has it in
#      AddressSanitizer on Linux (/opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.asan),
#      so no other package is needed: ASAN_OPTIONS=detect_leaks=1 (the default on
#      x86_64 Linux, set to say so). First a canary proves the detector is live in this
#      harness: a preloaded library that leaks 4242 bytes must be reported.
#   2. Programs run as users run them, under valgrind's memcheck with --leak-check=full:
#      the `memcheck` program (every call across the C boundary, the async API included)
#      and the synchronous soak patterns (LEAK_COUNT messages each). Any definite or
#      possible leak fails, except the Swift runtime's caches that
#      scripts/valgrind-leaks.supp lists and justifies. (valgrind 3.19 cannot run an
#      async main, so the async soak patterns are left to step 1 and to `make soak`.)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
count=${LEAK_COUNT:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# 1. LeakSanitizer over the test suite.
log=$work/build.log
if ! swift build ${SWIFT_FLAGS:-} --build-tests --traits Services --scratch-path .build-asan --sanitize=address >"$log" 2>&1; then
    grep -v "prohibited flag\|ld.gold: warning" "$log"
    exit 1
fi
cat >"$work/canary.c" <<'C'
#include <stdlib.h>
#include <string.h>
/* Leaks 4242 bytes at load time: LeakSanitizer must report them. */
__attribute__((constructor)) static void leak_canary(void) {
    void *volatile block = malloc(4242);
    memset(block, 1, 4242);
    block = 0;
}
C
cc -shared -fPIC -O0 -o "$work/libleak-canary.so" "$work/canary.c"
status=0
ASAN_OPTIONS=detect_leaks=1 LD_PRELOAD="$work/libleak-canary.so" \
    swift test ${SWIFT_FLAGS:-} --skip-build --traits Services --scratch-path .build-asan --sanitize=address --disable-xctest \
    --filter Z85Tests >"$work/canary.log" 2>&1 || status=$?
if [ "$status" -eq 0 ] || ! grep -q "Direct leak of 4242 byte(s)" "$work/canary.log"; then
    echo "FAIL LeakSanitizer canary: the deliberate 4242-byte leak was not reported (exit $status)"
    exit 1
fi
echo "ok   LeakSanitizer canary: a deliberate 4242-byte leak is reported and fails the run"

status=0
ASAN_OPTIONS=detect_leaks=1 timeout 900 swift test ${SWIFT_FLAGS:-} --skip-build --traits Services --scratch-path .build-asan \
    --sanitize=address --disable-xctest --no-parallel >"$work/suite.log" 2>&1 || status=$?
summary=$(grep -E "Test run with [0-9]+ tests" "$work/suite.log" | tail -n 1 | sed 's/^[^A-Za-z]*//; s/\.$//')
if [ "$status" -ne 0 ] || grep -q "LeakSanitizer" "$work/suite.log"; then
    cp "$work/suite.log" "${TMPDIR:-/tmp}/leaks-suite.log"
    echo "FAIL test suite under LeakSanitizer (exit $status): $summary (log: ${TMPDIR:-/tmp}/leaks-suite.log)"
    { grep "✘" "$work/suite.log" || true; } | head -20
    { grep -A12 "ERROR: LeakSanitizer\|^SUMMARY" "$work/suite.log" || true; } | head -60
    failures=$((failures + 1))
else
    echo "ok   test suite under LeakSanitizer: $summary; no leak reported"
fi

# 2. valgrind's memcheck over programs.
command -v valgrind >/dev/null || { echo "leaks: valgrind is missing (apt-get install valgrind)"; exit 1; }
cd Tests/UserPrograms
for configuration in debug release; do
    if ! swift build ${SWIFT_FLAGS:-} -c "$configuration" --product "$([ $configuration = debug ] && echo memcheck || echo soak)" >"$log" 2>&1; then
        grep -v "prohibited flag" "$log"
        exit 1
    fi
done
debug=$(swift build -c debug --show-bin-path)
release=$(swift build -c release --show-bin-path)

# under_valgrind NAME COMMAND...: runs COMMAND under memcheck; prints its leak summary.
under_valgrind() {
    local name=$1 status=0
    shift
    timeout 600 valgrind --leak-check=full --show-leak-kinds=definite,possible \
        --errors-for-leak-kinds=definite,possible --suppressions="$root/scripts/valgrind-leaks.supp" \
        --error-exitcode=99 --num-callers=30 "$@" >"$work/valgrind.out" 2>"$work/valgrind.log" || status=$?
    local definite possible suppressed
    definite=$(grep -o "definitely lost: [0-9,]* bytes in [0-9,]* blocks" "$work/valgrind.log" | cut -d' ' -f3,4)
    possible=$(grep -o "possibly lost: [0-9,]* bytes in [0-9,]* blocks" "$work/valgrind.log" | cut -d' ' -f3,4)
    suppressed=$(grep -o "suppressed: [0-9,]* bytes in [0-9,]* blocks" "$work/valgrind.log" | cut -d' ' -f2-6)
    # No leak summary at all means no block was left: nothing lost.
    local line="$name: definitely lost ${definite:-0 bytes}, possibly lost ${possible:-0 bytes}, suppressed ${suppressed:-0 bytes} (thread vectors, Swift runtime caches)"
    if [ "$status" -ne 0 ]; then
        echo "FAIL $line (exit $status)"
        { grep -v "^==[0-9]*== *$" "$work/valgrind.log" | grep -B2 -A30 "lost in loss record\|Invalid\|uninitialised" || true; } | head -80
        failures=$((failures + 1))
    else
        echo "ok   $line"
    fi
}

under_valgrind "memcheck program (every C call, async API included)" "$debug/memcheck"
for pattern in push-pull req-rep pub-sub router-dealer; do
    under_valgrind "soak $pattern, $count messages" "$release/soak" "$pattern" "$count" $((count / 4)) 1048576
done
rm -f /tmp/zmq-soak-*

if [ "$failures" -ne 0 ]; then
    echo "leaks: $failures failed"
    exit 1
fi
echo "leaks: none found"
