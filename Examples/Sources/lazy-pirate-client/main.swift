// Lazy Pirate client: reliable request-reply on the client's side. It waits a limited
// time for each reply, resends the request when none comes, and gives up after a
// bounded number of retries, saying so.
//
//   cd Examples && swift run lazy-pirate-client [ENDPOINT] [COUNT] [TIMEOUT_MS] [RETRIES]
//
// Sends COUNT requests (default 10) to ENDPOINT (default tcp://localhost:5555), each
// the request's number, which lazy-pirate-server echoes. It waits TIMEOUT_MS (default
// 2500) for each reply and resends a request at most RETRIES times (default 3). Kill or
// crash the server, start it again within the retries, and the client carries on.
import Foundation
import ZeroMQ

let arguments = Array(CommandLine.arguments.dropFirst())
let endpoint = arguments.count > 0 ? arguments[0] : "tcp://localhost:5555"
let count = max(1, arguments.count > 1 ? Int(arguments[1]) ?? 10 : 10)
let timeout = Duration.milliseconds(arguments.count > 2 ? Int(arguments[2]) ?? 2500 : 2500)
let retries = max(0, arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3)

do {
    let context = try Context()
    let client = try ReqSocket(context)
    // A plain REQ whose reply never came refuses to send again (.invalidState): it would
    // have to be closed and replaced. With these two options it may send a new request
    // while it waits (relaxed), and it drops any late reply to an older one (correlate),
    // so a reply is always the answer to the request just sent.
    try client.setOption(.requestRelaxed, true)
    try client.setOption(.requestCorrelate, true)
    // libzmq reconnects by itself when the server comes back; requests resent meanwhile
    // wait in the socket's queue for the new connection. The new server answers every
    // copy, and the client keeps only the answer to the last (correlate).
    try client.connect(endpoint)

    for sequence in 1...count {
        let request = "\(sequence)"
        var retry = 0
        try client.send(request)
        while true {
            if let reply = try client.receiveString(timeout: timeout) {
                print("request \(sequence): reply \(reply)")
                break
            }
            guard retry < retries else {
                print(
                    "no reply to request \(sequence) after \(retries) retries: the server seems to be offline, giving up"
                )
                client.close(linger: .zero)  // nobody will take the queued request: do not wait for it
                exit(1)
            }
            retry += 1
            print("request \(sequence): no reply within \(timeout), resending (retry \(retry) of \(retries))")
            try client.send(request)
        }
    }
    print("all \(count) requests answered")
} catch {
    // A message and a status, not a crash report (Docs/Troubleshooting.md).
    FileHandle.standardError.write(Data("lazy-pirate-client: \(error)\n".utf8))
    exit(1)
}
