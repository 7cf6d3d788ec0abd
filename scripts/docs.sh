#!/usr/bin/env bash
# Builds the DocC catalog from the library's symbol graph, with warnings as errors,
# so that broken symbol links in Sources/ZeroMQ/ZeroMQ.docc fail the build; then
# ZeroMQServices's (Sources/ZeroMQServices/ZeroMQServices.docc) the same way.
# Output: .build-docs/ZeroMQ.doccarchive
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-docs
graphs="$scratch/symbol-graphs"
# Not emptied first: an up-to-date build writes no new graphs, and each build
# overwrites the ones it writes.
mkdir -p "$graphs"
swift build --scratch-path "$scratch" --target ZeroMQ \
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$PWD/$graphs"
docc=$(command -v docc || xcrun --find docc 2>/dev/null || true)
if [ -z "$docc" ]; then
    echo "docc was not found; it ships with the Swift toolchain (swift.org)." >&2
    exit 1
fi
"$docc" convert Sources/ZeroMQ/ZeroMQ.docc \
    --additional-symbol-graph-dir "$graphs" \
    --fallback-display-name ZeroMQ --fallback-bundle-identifier org.swift-zeromq.ZeroMQ \
    --output-path "$scratch/ZeroMQ.doccarchive" --warnings-as-errors
echo "DocC archive: $scratch/ZeroMQ.doccarchive"

# ZeroMQServices, with the `Services` trait, from its own symbol graphs (its extensions
# of ZeroMQ's types come in ZeroMQServices@ZeroMQ.symbols.json).
services_scratch=.build-docs-services
services_graphs="$services_scratch/symbol-graphs"
mkdir -p "$services_graphs"
swift build --scratch-path "$services_scratch" --target ZeroMQServices --traits Services \
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$PWD/$services_graphs" \
    -Xswiftc -emit-extension-block-symbols
selected="$services_scratch/selected-graphs"
rm -rf "$selected" && mkdir -p "$selected"
cp "$services_graphs"/ZeroMQServices.symbols.json "$services_graphs"/ZeroMQServices@*.symbols.json "$selected"/
"$docc" convert Sources/ZeroMQServices/ZeroMQServices.docc \
    --additional-symbol-graph-dir "$selected" \
    --fallback-display-name ZeroMQServices --fallback-bundle-identifier org.swift-zeromq.ZeroMQServices \
    --output-path "$services_scratch/ZeroMQServices.doccarchive" --warnings-as-errors
echo "DocC archive: $services_scratch/ZeroMQServices.doccarchive"
