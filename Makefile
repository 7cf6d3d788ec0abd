# swift-zeromq: the two commands a newcomer needs are `make demo` and `make test`.
# Each first installs what it needs (libzmq3-dev, pkg-config) when it can,
# or says exactly what to install.

SWIFT ?= swift
# Extra flags for swift build/test, such as -Xswiftc -warnings-as-errors (CI sets it).
SWIFT_FLAGS ?=

.PHONY: all deps build demo test examples user-programs sanitize docs bench bench-chart bench-instructions check-instructions \
	bench-syscalls check-boundary check-snippets check-optional-products clean test-faults

all: build

deps:
	@bash scripts/ensure-deps.sh

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

## Runs the showcase: REQ/REP, PUB/SUB and PUSH/PULL over inproc, ipc and tcp.
demo: deps
	$(SWIFT) run $(SWIFT_FLAGS) zmq-demo

## Runs the test suite against real libzmq sockets, ZeroMQServices' included (with the
## `Services` trait), then compiles the documentation's snippets, runs the user programs
## below, checks what a user's package fetches with and without the trait, checks that
## misuse of the options does not compile, and runs the examples (a few minutes at most).
##
## The tests run one at a time (`--no-parallel`): run together on two cores, the
## synchronous ones hold both threads of the cooperative pool in turn, and an awaiting
## test resumed up to 56 s late (CI), which failed bounded waits. One at a time, the
## suite takes about 50 s, and every test gets the pool.
test: deps
	@bash scripts/ensure-deps.sh python3-zmq
	$(SWIFT) test $(SWIFT_FLAGS) --traits Services --no-parallel
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/check-snippets.sh
	@bash scripts/user-programs.sh
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/check-optional-products.sh
	@SWIFT="$(SWIFT)" SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/check-misuse.sh
	cd Examples && $(SWIFT) build --build-tests $(SWIFT_FLAGS) && $(SWIFT) test --skip-build $(SWIFT_FLAGS)

## The examples and tools (Examples/, a package of their own), each run as its own
## processes by a test that checks what it prints.
examples: deps
	@bash scripts/ensure-deps.sh python3-zmq
	cd Examples && $(SWIFT) build --build-tests $(SWIFT_FLAGS) && $(SWIFT) test --skip-build $(SWIFT_FLAGS)

## Programs in a package that depends on this one (Tests/UserPrograms), each in its own
## process: senders that end, against a receiver that counts what arrived, and a broker
## with workers and a client (about a minute).
user-programs: deps
	@bash scripts/user-programs.sh

## The test suite (ZeroMQServices' included) under AddressSanitizer, then ThreadSanitizer
## (about three minutes),
## then the C-boundary program under valgrind's memcheck, which sees what ASan cannot:
## libzmq itself touching freed memory. A report from any of them fails the target.
## Both run the tests one at a time, as make test does: run together on 2 cores, tests that
## block pool threads delayed the async ones' wake-ups by 40 s (a timing bound failed).
## Serial, each gets the pool; the run took 85 s on a loaded machine.
sanitize: deps
	@bash scripts/ensure-deps.sh valgrind python3-zmq
	@bash scripts/memcheck.sh
	$(SWIFT) test $(SWIFT_FLAGS) --traits Services --scratch-path .build-asan --sanitize=address --disable-xctest --no-parallel
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/scripts/tsan.supp" $(SWIFT) test $(SWIFT_FLAGS) --traits Services --scratch-path .build-tsan --sanitize=thread --disable-xctest --no-parallel

## Builds the DocC catalogs (ZeroMQ, and ZeroMQServices with the Services trait), failing
## on any broken symbol link.
docs: deps
	@bash scripts/docs.sh

## Swift against raw C, side by side, with medians and ratios (under ten minutes).
bench: deps
	@bash scripts/bench.sh

## The chart of the latest `make bench` run, drawn from its JSON lines into
## Docs/bench-chart.svg (BENCH_RAW=path/to/bench-<time>.jsonl for another run).
bench-chart:
	@python3 scripts/bench-chart.py $(BENCH_RAW)

## Instructions per message, Swift and C, counted with callgrind.
bench-instructions:
	@bash scripts/ensure-deps.sh valgrind
	@bash scripts/bench-instructions.sh

## The CI gate: fails when Swift's instructions per message (thr, DynamicSocket, poll)
## exceed 1.05 of the reference (about a minute, plus the release build).
check-instructions:
	@bash scripts/ensure-deps.sh valgrind
	@bash scripts/check-instructions.sh

## Every ```swift snippet of README.md, Docs/ and the DocC catalog type-checked in the
## context a user would paste it into; errors name the markdown line (seconds, after the build).
check-snippets: deps
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/check-snippets.sh

## Packages of a user's that depend on this one: ZeroMQ alone fetches nothing more;
## ZeroMQServices without the `Services` trait fails with a message naming it; with the
## trait it builds and runs a ServiceGroup through a graceful shutdown (about two minutes).
check-optional-products: deps
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/check-optional-products.sh

## No libzmq call outside Sources/ZeroMQ/Internals/ (Docs/Design.md, "The C boundary").
check-boundary:
	@bash scripts/check-boundary.sh

## System calls per round trip, lat inproc 1 byte: C, Swift, Swift async (strace -f -c,
## and perf's tracepoints when perf is installed; about three minutes).
bench-syscalls:
	@bash scripts/ensure-deps.sh strace
	@bash scripts/bench-syscalls.sh

clean:
	rm -rf .build

## Fuzzes every kind of bound tcp socket with random and mutated ZMTP greetings,
## NULL/PLAIN/CURVE handshakes and frames (150000 inputs) while legitimate clients are
## served, then measures what libzmq does with ZMTP 1.0 peers and huge frame headers
## (about two minutes; FUZZ_SEED=S replays a run). Docs/Reliability.md has its figures.
.PHONY: fuzz
fuzz: deps
	@bash scripts/ensure-deps.sh python3-zmq
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/fuzz.sh

## Faults between hosts: two network namespaces joined by a wire that is cut, loses,
## delays and reorders packets; links cut, heartbeats, peers vanishing mid-handshake,
## processes killed and restarted, routing-id handover, the lazy pirate (as root; about
## two minutes; skips where the machine refuses). ONLY=heartbeats|kills|... runs some.
test-faults: deps
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/test-faults.sh

.PHONY: leaks soak load

## No definite leak: the test suite under LeakSanitizer (after a canary proves it live),
## then the memcheck program and the soak patterns under valgrind --leak-check=full,
## with the Swift runtime's caches suppressed and justified in scripts/valgrind-leaks.supp
## (about five minutes).
leaks: deps
	@bash scripts/ensure-deps.sh valgrind python3-zmq
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/leaks.sh

## Ten million messages through each pattern (PUSH/PULL, REQ/REP, PUB/SUB, ROUTER/DEALER)
## and through the async API, resident memory sampled every million; fails on a lost
## message or on growth past 2 MiB (about two minutes).
soak: deps
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/soak.sh

## 500 connections on a blocking ROUTER and 1000 DEALER tasks on an async one, from
## several processes, every request answered once; a proxy under 4 million requests whose
## statistics add up (about a minute; raises ulimit -n to 4096 where it is lower).
load: deps
	@SWIFT_FLAGS="$(SWIFT_FLAGS)" bash scripts/load.sh

## Everything above that shows the library survives what production does to it: fuzz,
## test-faults, leaks, soak and load, one after the other (about fifteen minutes on two
## cores, plus their builds; each stops by itself). CI runs it after make sanitize.
.PHONY: reliability
reliability: fuzz test-faults leaks soak load
