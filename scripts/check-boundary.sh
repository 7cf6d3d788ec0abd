#!/usr/bin/env bash
# The C boundary: no file of the library outside Sources/ZeroMQ/Internals/ calls libzmq
# (`zmq_...(`) directly; Internals/SocketCalls.swift is where every socket call applies
# the wake-up rule (Docs/Design.md, "The C boundary"). Comment lines are not code.
# Prints the offending lines and exits 1 when there are any.
set -euo pipefail
cd "$(dirname "$0")/.."
found=$(grep -rnE '\bzmq_[a-z_0-9]+\(' Sources/ZeroMQ --include='*.swift' \
    | grep -v '^Sources/ZeroMQ/Internals/' \
    | grep -vE '^[^:]+:[0-9]+:\s*//' || true)
if [ -n "$found" ]; then
    echo "libzmq called outside Sources/ZeroMQ/Internals/ (route it through the boundary):"
    echo "$found"
    exit 1
fi
files=$(grep -rlE '\bzmq_[a-z_0-9]+\(' Sources/ZeroMQ/Internals --include='*.swift' | wc -l)
echo "C boundary: every libzmq call is in Sources/ZeroMQ/Internals/ ($files files), none outside."
