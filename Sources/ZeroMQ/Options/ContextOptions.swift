import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Options

extension Context {
    /// Sets a context option.
    ///
    /// Only options whose access is ``OptionAccess/Writable`` compile here.
    ///
    /// - Parameters:
    ///   - option: The option, such as ``ContextOption/ioThreads``.
    ///   - value: Its new value.
    /// - Throws: ``ZMQError/invalidArgument`` when the value is out of range or libzmq
    ///   refuses it, naming the option and the value; ``ZMQError/contextTerminated``
    ///   once the context is terminated.
    ///
    /// The corresponding C function is `zmq_ctx_set`.
    public func setOption<Value, Access: OptionAccess.Writable>(
        _ option: ContextOption<Value, Access>, _ value: Value
    ) throws(ZMQError) {
        try set(option.name, option.cName, option.encode(value), value)
    }

    /// Reads a context option.
    ///
    /// Only options whose access is ``OptionAccess/Readable`` compile here.
    ///
    /// - Parameter option: The option, such as ``ContextOption/maxSockets``.
    /// - Returns: Its value.
    /// - Throws: ``ZMQError/contextTerminated`` once the context is terminated.
    ///
    /// The corresponding C function is `zmq_ctx_get`.
    public func option<Value, Access: OptionAccess.Readable>(_ option: ContextOption<Value, Access>) throws(ZMQError)
        -> Value
    {
        try option.decode(get(option.name, option.cName, minusOneIsValue: option.minusOneIsValue))
    }

    /// Adds a CPU to the set the I/O threads may run on; call it before creating
    /// sockets. The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_ADD`.
    public func addThreadAffinity(cpu: Int) throws(ZMQError) {
        try set(ZMQ_THREAD_AFFINITY_CPU_ADD, "ZMQ_THREAD_AFFINITY_CPU_ADD", Int32(exactly: cpu), cpu)
    }

    /// Removes a CPU from the set the I/O threads may run on.
    /// The corresponding C option is `ZMQ_THREAD_AFFINITY_CPU_REMOVE`.
    public func removeThreadAffinity(cpu: Int) throws(ZMQError) {
        try set(ZMQ_THREAD_AFFINITY_CPU_REMOVE, "ZMQ_THREAD_AFFINITY_CPU_REMOVE", Int32(exactly: cpu), cpu)
    }

    /// `zmq_ctx_set`, with `raw` the value converted to a C `int` (`nil` when it does
    /// not fit one).
    private func set(_ name: Int32, _ cName: String, _ raw: Int32?, _ value: some Any) throws(ZMQError) {
        guard let raw else {
            throw ZMQError(
                EINVAL, operation: "zmq_ctx_set", target: "\(cName) = \(value)",
                reason: "out of range for a C int (\(Int32.min)...\(Int32.max))")
        }
        _ = try withLiveHandle("zmq_ctx_set", "\(cName) = \(value)") { calls in
            calls.set(name, raw).map { .failure($0) } ?? .success(0)
        }
    }

    /// `zmq_ctx_get`. libzmq returns -1 for an error, which for a few options is also a
    /// value (a scheduling policy of -1 means "unchanged").
    private func get(_ name: Int32, _ cName: String, minusOneIsValue: Bool) throws(ZMQError) -> Int32 {
        try withLiveHandle("zmq_ctx_get", cName) { calls in
            let (value, error) = calls.get(name)
            if let error, !minusOneIsValue { return .failure(error) }
            return .success(value)
        }
    }

    /// Runs `call` on the context's handle unless the context is terminated, under the
    /// state lock so that termination cannot free the context during the call.
    private func withLiveHandle(
        _ operation: StaticString, _ target: @autoclosure () -> String,
        _ call: (ContextCalls) -> Result<Int32, Errno>
    ) throws(ZMQError) -> Int32 {
        let result: Result<Int32, ZMQError> = state.withLock { state in
            guard !state.isTerminated else {
                return .failure(
                    ZMQError(
                        CZMQ_ETERM, operation: operation.description, target: target(),
                        reason: "the context is terminated"))
            }
            return call(ContextCalls(handle: handle)).mapError { error in
                ZMQError(error.code, operation: operation.description, target: target())
            }
        }
        return try result.get()
    }
}

/// A context option, typed by its value and by whether it is read, written or both
/// (``OptionAccess/ReadWrite``, ``OptionAccess/ReadOnly``, ``OptionAccess/WriteOnly``),
/// as ``SocketOption`` is:
///
/// <!-- snippet: function; prelude: let context = try Context() -->
/// ```swift
/// try context.setOption(.ioThreads, 2)
/// let sockets = try context.option(.maxSockets)
/// let limit = try context.option(.socketLimit)   // read-only: no setOption
/// ```
public struct ContextOption<Value, Access>: Sendable {
    let name: Int32
    let cName: String
    /// The C `int` for a value, or `nil` when the value does not fit one.
    let encode: @Sendable (Value) -> Int32?
    let decode: @Sendable (Int32) -> Value
    /// Whether -1 from `zmq_ctx_get` is a value rather than an error.
    let minusOneIsValue: Bool
}

extension ContextOption where Value == Int {
    /// An `int` option.
    init(_ name: Int32, _ cName: String, minusOneIsValue: Bool = false) {
        self.init(
            name: name, cName: cName, encode: { Int32(exactly: $0) }, decode: { Int($0) },
            minusOneIsValue: minusOneIsValue)
    }
}

extension ContextOption where Value == Int, Access == OptionAccess.ReadWrite {
    /// The number of I/O threads; set it before creating sockets. The default is 1.
    /// The corresponding C option is `ZMQ_IO_THREADS`.
    public static var ioThreads: Self { .init(ZMQ_IO_THREADS, "ZMQ_IO_THREADS") }

    /// The maximum number of sockets. The default is 1023.
    /// The corresponding C option is `ZMQ_MAX_SOCKETS`.
    public static var maxSockets: Self { .init(ZMQ_MAX_SOCKETS, "ZMQ_MAX_SOCKETS") }

    /// The largest message size the context's sockets accept, at most `Int32.max` (the
    /// default). The corresponding C option is `ZMQ_MAX_MSGSZ`.
    public static var maxMessageSize: Self { .init(ZMQ_MAX_MSGSZ, "ZMQ_MAX_MSGSZ") }

    /// The scheduling policy of the I/O threads, such as `SCHED_RR`; -1, the default,
    /// leaves it unchanged. The corresponding C option is `ZMQ_THREAD_SCHED_POLICY`.
    public static var threadSchedulingPolicy: Self {
        .init(ZMQ_THREAD_SCHED_POLICY, "ZMQ_THREAD_SCHED_POLICY", minusOneIsValue: true)
    }

    /// A number appended to the names of the I/O threads (`ZMQbg/IO/0` becomes
    /// `ZMQbg/<prefix>/IO/0`). The corresponding C option is `ZMQ_THREAD_NAME_PREFIX`.
    public static var threadNamePrefix: Self { .init(ZMQ_THREAD_NAME_PREFIX, "ZMQ_THREAD_NAME_PREFIX") }
}

extension ContextOption where Value == Bool, Access == OptionAccess.ReadWrite {
    init(_ name: Int32, _ cName: String) {
        self.init(name: name, cName: cName, encode: { $0 ? 1 : 0 }, decode: { $0 != 0 }, minusOneIsValue: false)
    }

    /// Whether the context's sockets use IPv6 as well as IPv4.
    /// The corresponding C option is `ZMQ_IPV6`.
    public static var ipv6: Self { .init(ZMQ_IPV6, "ZMQ_IPV6") }

    /// Whether libzmq's own default linger of new sockets is infinite (`true`) or zero.
    /// swift-zeromq sets every socket's linger from ``Context/defaultLinger`` anyway.
    /// The corresponding C option is `ZMQ_BLOCKY`.
    public static var blocky: Self { .init(ZMQ_BLOCKY, "ZMQ_BLOCKY") }
}

extension ContextOption where Value == Int, Access == OptionAccess.WriteOnly {
    /// The scheduling priority of the I/O threads: operating-system specific, and not
    /// negative (libzmq refuses that); by default the priority is left unchanged.
    /// Write-only: `zmq_ctx_get` with its number, 3, returns `ZMQ_SOCKET_LIMIT`, which
    /// has the same number. The corresponding C option is `ZMQ_THREAD_PRIORITY`.
    public static var threadPriority: Self { .init(ZMQ_THREAD_PRIORITY, "ZMQ_THREAD_PRIORITY") }
}

extension ContextOption where Value == Int, Access == OptionAccess.ReadOnly {
    /// The largest number of sockets that `ZMQ_MAX_SOCKETS` can be set to. Read-only.
    /// The corresponding C option is `ZMQ_SOCKET_LIMIT`.
    public static var socketLimit: Self { .init(ZMQ_SOCKET_LIMIT, "ZMQ_SOCKET_LIMIT") }

    /// The size of a `zmq_msg_t` in this libzmq build. Read-only.
    /// The corresponding C option is `ZMQ_MSG_T_SIZE`.
    public static var messageStructSize: Self { .init(ZMQ_MSG_T_SIZE, "ZMQ_MSG_T_SIZE") }
}
