#!/usr/bin/env bash
# Compiles every ```swift snippet of README.md, Docs/*.md and
# Sources/ZeroMQ/ZeroMQ.docc/*.md, and every ```swift (or bare ```) block of the `///` doc
# comments of Sources/ZeroMQ and Sources/ZeroMQServices, against the built ZeroMQ module,
# each in the context a user would paste it into (top-level code, a function, file scope,
# Package.swift), and fails on any error or warning, naming the markdown or .swift file
# and line.
#
# The annotations that give a snippet its context (an HTML comment that ends on the line
# before the fence, `<!-- snippet: function; prelude: let context = try Context() -->`;
# in a doc comment, the same after `/// `, and it may span several `///` lines) are
# described in scripts/check-snippets.py and in Docs/Design.md, "Documentation that
# compiles".
#
# Builds the ZeroMQServices target with the `Services` trait first, which builds ZeroMQ
# too (nothing to do after make test's `swift test --traits Services` with the same
# SWIFT_FLAGS), so that snippets can import ZeroMQServices, ServiceLifecycle, Logging,
# Metrics and Tracing; then type-checks, two compiler invocations at a time. Arguments go to
# check-snippets.py: a list of markdown or .swift files checks only those, `--list` lists the
# snippets and their contexts, `--keep DIR` keeps the generated sources.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086 # SWIFT_FLAGS is a list of flags
if ! log=$(swift build --target ZeroMQServices --traits Services ${SWIFT_FLAGS:-} 2>&1); then
    echo "$log" >&2
    exit 1
fi
# shellcheck disable=SC2086
bin=$(swift build --show-bin-path --traits Services ${SWIFT_FLAGS:-} 2>/dev/null)
exec python3 scripts/check-snippets.py --modules "$bin/Modules" "$@"
