// The Poller's C boundary under memcheck: its zmq_pollitem_t array as it grows,
// shrinks and is reused, also while a result is iterated, file descriptors beside
// sockets, a monitor that ends in the poller, and sockets closed while in the poller,
// which must be refused before zmq_poll would read the freed socket.
import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func checkPoller() throws(ZMQError) {
    let context = try Context(defaultLinger: .zero)
    let poller = Poller<Int>()
    var pulls: [PullSocket] = []
    var pushes: [PushSocket] = []
    // More than the first capacity (16), so the item array is reallocated.
    for n in 0..<20 {
        let pull = try PullSocket(context)
        let endpoint = try pull.bind("inproc://memcheck-poll-\(n)")
        let push = try PushSocket(context)
        try push.connect(endpoint)
        try poller.add(pull, events: .readable, token: n)
        pulls.append(pull)
        pushes.append(push)
    }
    var fds: [Int32] = [0, 0]
    check(pipe(&fds) == 0, "pipe")
    try poller.add(fileDescriptor: fds[0], events: .readable, token: 100)
    try poller.add(fileDescriptor: fds[1], events: .writable, token: 101)
    check(try poller.poll(timeout: .seconds(5)).map(\.token) == [101], "only the pipe's write end is ready")

    try pushes[3].send("three")
    try pushes[19].send("nineteen")
    var byte: UInt8 = 1
    check(write(fds[1], &byte, 1) == 1, "write to the pipe")
    var seen: Set<Int> = []
    for _ in 0..<100 where seen != [3, 19, 100, 101] {
        for item in try poller.poll(timeout: .seconds(5)) { seen.insert(item.token) }
    }
    check(seen == [3, 19, 100, 101], "the fed sockets and both pipe ends are ready")

    // Removal shifts the items after it; the results follow the tokens.
    check(poller.remove(0) && poller.remove(pulls[10]), "remove by token and by socket")
    try poller.update(101, events: [])
    check(Set(try poller.poll(timeout: .zero).map(\.token)) == [3, 19, 100], "after removal")
    check(try pulls[3].receiveString() == "three", "receive after poll")

    // Changing the poller while a result is iterated, and while an older result lives:
    // the result's copy, the item array moved by growth, an iterator part-way through.
    try pushes[4].send("four")
    for _ in 0..<100 where !(try poller.poll(timeout: .seconds(5)).contains { $0.token == 4 }) {}
    let older = try poller.poll(timeout: .zero)
    var tokens: [Int] = []
    var extra: [PullSocket] = []
    for item in try poller.poll(timeout: .zero) {
        tokens.append(item.token)
        poller.remove(item.token)
        for n in 200..<210 {
            let pull = try PullSocket(context)
            try poller.add(pull, token: n + 10 * tokens.count)
            extra.append(pull)
        }
        try poller.update(101, events: [])
    }
    check(tokens == [4, 19, 100], "a result iterated while the poller changes")
    check(older.map(\.token) == [4, 19, 100], "an older result keeps its items")
    for pull in extra { poller.remove(pull) }
    try poller.add(pulls[4], events: .readable, token: 4)
    try poller.add(pulls[19], events: .readable, token: 19)
    try poller.add(fileDescriptor: fds[0], events: .readable, token: 100)
    check(try pulls[4].receiveString() == "four", "receive after the changes")

    // A monitor in the poller, ended while in it: its item polls nothing from then on.
    let watched = try PullSocket(context)
    let monitor = try watched.monitor(.listening)
    try watched.bind("tcp://127.0.0.1:*")
    try poller.add(monitor, token: 300)
    var listening = false
    for _ in 0..<100 where !listening {
        for item in try poller.poll(timeout: .seconds(5)) where item.token == 300 {
            while let event = try monitor.tryNext() { listening = listening || event.kind.filter == .listening }
        }
    }
    check(listening, "a monitor in the poller reports listening")
    monitor.stop()
    check(!(try poller.poll(timeout: .zero).contains { $0.token == 300 }), "a stopped monitor is never ready")
    check(poller.remove(monitor), "remove the monitor")
    watched.close()

    // A socket closed while in the poller is refused before libzmq sees it, also when
    // the context closes it.
    pulls[5].close()
    fails(.notSocket, "poll with a closed socket") { _ = try poller.poll(timeout: .zero) }
    poller.remove(5)
    check(Set(try poller.poll(timeout: .zero).map(\.token)) == [19, 100], "after removing the closed socket")
    poller.remove(100)
    poller.remove(101)
    close(fds[0])
    close(fds[1])
    context.close()
    fails(.notSocket, "poll after context.close()") { _ = try poller.poll(timeout: .zero) }
    poller.removeAll()
    check(try poller.poll(timeout: .milliseconds(1)).isEmpty, "an empty poller sleeps")
}
