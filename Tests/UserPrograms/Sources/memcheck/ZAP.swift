import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `zmq_setsockopt`, looked up at run time: this package sees the ZeroMQ module only,
/// and the PLAIN options are not typed yet.
private typealias SetSocketOption = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeRawPointer?, Int) -> Int32

private let setSocketOption: SetSocketOption? = {
    #if canImport(Darwin)
    let handle = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
    #else
    let handle: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
    #endif
    guard let symbol = dlsym(handle, "zmq_setsockopt") else { return nil }
    return unsafeBitCast(symbol, to: SetSocketOption.self)
}()

private func setRaw<K>(_ socket: Socket<K>, _ option: Int32, _ bytes: [UInt8]) -> Bool {
    guard let setSocketOption else { return false }
    return bytes.withUnsafeBytes { setSocketOption(socket.unsafeHandle, option, $0.baseAddress, $0.count) } == 0
}

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
    // ZMQ_PLAIN_SERVER = 44, ZMQ_PLAIN_USERNAME = 45, ZMQ_PLAIN_PASSWORD = 46.
    check(setRaw(server, 44, [1, 0, 0, 0]), "ZMQ_PLAIN_SERVER")
    check(setRaw(client, 45, Array("user".utf8)) && setRaw(client, 46, Array("pass".utf8)), "PLAIN credentials")
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
