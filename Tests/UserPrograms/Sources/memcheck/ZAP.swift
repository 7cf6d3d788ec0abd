import ZeroMQ

/// An authenticator started, one PLAIN exchange it accepts, a second
/// authenticator refused, stop, and one stopped by context.close(): the ZAP frames, the
/// reply, the User-Id metadata.
func checkZAP() throws(ZMQError) {
    let context = try Context(defaultLinger: .zero)
    let authenticator = try Authenticator.start(in: context, policy: ZAPPolicy(plainPasswords: ["user": "pass"]))
    fails(.addressInUse, "a second authenticator") { _ = try Authenticator.start(in: context) }
    let server = try RepSocket(context)
    let client = try ReqSocket(context)
    try server.setOption(.receiveTimeout, .seconds(5))
    try client.setOption(.receiveTimeout, .seconds(5))
    try server.setOption(.plainServer, true)
    try client.setOption(.plainUsername, "user")
    try client.setOption(.plainPassword, "pass")
    check(try server.option(.mechanism) == .plain, "PLAIN server mechanism")
    check(try client.option(.plainUsername) == "user", "PLAIN username")
    let endpoint = try server.bind("tcp://127.0.0.1:*")
    try client.connect(endpoint)
    try client.send("hello")
    let request = try server.receive()
    check(request.string == "hello" && request.userID == "user", "PLAIN request with its User-Id")
    try server.send("world")
    check(try client.receiveString() == "world", "PLAIN reply")
    authenticator.stop()
    authenticator.stop()
    check(!authenticator.isRunning, "stopped")
    let again = try Authenticator.start(in: context)
    context.close()
    check(!again.isRunning, "context.close() stopped the authenticator")
}
