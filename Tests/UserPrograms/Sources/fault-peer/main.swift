// The hosts of `make test-faults` (scripts/test-faults.sh): each run of this program is
// one role on one host, given as the first argument, with `key=value` words after it.
//
//   fault-peer sink endpoint=E [async=1] [idle=MS]           PULL: binds, tallies a numbered stream
//   fault-peer source endpoint=E generation=G count=N [interval=MS] [size=B] [progress=1]
//                                                             PUSH: connects, sends "G.0" ... "G.N-1"
//   fault-peer server endpoint=E [async=1] [drop=K] [handover=1] [curve=1] [monitor=1]
//                                                             ROUTER (or REP: kind=rep): answers
//                                                             "n" with "reply n"
//   fault-peer client endpoint=E count=N kind=req|dealer [async=1] [timeout=MS] [retries=R]
//                     [server-key=Z85] [hold=MS] [interval=MS]            REQ (lazy pirate) or DEALER: asks 0..N-1
//
// Every role also takes heartbeat=MS, reconnect=MS, handshake=MS, linger=MS, id=TEXT
// (see `configure`). The servers and the sink run until SIGTERM (or `limit=S` seconds),
// then print their tally; everything prints its figures as single lines the script reads.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let role = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
let arguments = Arguments(CommandLine.arguments.dropFirst(2))
let context = try Context()
stopOnTerminate()

switch role {
case "sink":
    if arguments.flag("async") {
        try await runSinkAsync(arguments, context)
    } else {
        try runSink(arguments, context)
    }
case "source":
    try runSource(arguments, context)
case "server":
    if arguments.string("kind") == "rep" {
        try runRepServer(arguments, context)
    } else if arguments.flag("async") {
        try await runServerAsync(arguments, context)
    } else {
        try runServer(arguments, context)
    }
case "client":
    let succeeded =
        arguments.flag("async")
        ? try await runClientAsync(arguments, context) : try runClient(arguments, context)
    if !succeeded { exit(1) }
default:
    fail("unknown role \(role): sink, source, server or client")
}
