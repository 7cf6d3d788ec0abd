import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Sockets

extension Context {
    /// Creates a libzmq socket in this context with ``defaultLinger``, unless the
    /// context is shut down, and records it as open.
    ///
    /// The state lock is held across `zmq_socket` so that ``terminate()`` can never
    /// free the context while a socket is being created in it.
    func openSocket(type: Int32, kindName: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        let result: Result<UnsafeMutableRawPointer, ZMQError> = state.withLock { state in
            guard state.isOpen else {
                return .failure(.contextShutDown("socket", target: kindName))
            }
            let socket: SocketCalls
            switch SocketCalls.open(in: handle, type: type) {
            case .success(let opened): socket = opened
            case .failure(let error): return .failure(ZMQError(error.code, operation: "socket", target: kindName))
            }
            if let error = socket.setLinger(defaultLinger) {
                socket.close()
                return .failure(ZMQError(error.code, operation: "setsockopt", target: "ZMQ_LINGER = \(defaultLinger)"))
            }
            state.sockets[SocketHandle(raw: socket.handle)] = SocketOwner()
            return .success(socket.handle)
        }
        return try result.get()
    }

    /// Records `owner` as the `Socket` that holds `socket`, so that ``close(linger:)``
    /// can mark it closed.
    ///
    /// - Returns: `false` when the context closed the socket in the meantime.
    func adopt(_ socket: UnsafeMutableRawPointer, by owner: some SocketHandleOwner) -> Bool {
        let key = SocketHandle(raw: socket)
        let owner = SocketOwner(socket: owner)
        return state.withLock { state in
            guard state.sockets[key] != nil else { return false }
            state.sockets[key] = owner
            return true
        }
    }

    /// Closes a socket of this context, unless ``close(linger:)`` already did.
    ///
    /// A socket with a ``Monitor`` attached is detached from it first, on this thread:
    /// libzmq then sends `ZMQ_EVENT_MONITOR_STOPPED` to the monitor now, while its PAIR
    /// socket is certainly open, instead of later from its reaper thread.
    func closeSocket(_ socket: UnsafeMutableRawPointer) {
        let key = SocketHandle(raw: socket)
        state.withLock { state in
            if let owner = state.sockets.removeValue(forKey: key) {
                let calls = SocketCalls(key.raw)
                if let monitor = owner.monitor {
                    _ = calls.monitor(nil, events: 0)
                    state.closeHooks[monitor.hook] = nil
                }
                owner.readiness?.close()
                calls.close()
            }
        }
    }
}

/// A `Socket`, as its context sees it.
protocol SocketHandleOwner: AnyObject {
    /// Marks the socket closed after its context closed the libzmq socket.
    func forgetHandle()
}

/// An open libzmq socket handle, as the key of a context's table of open sockets.
///
/// @unchecked Sendable: the handle is an opaque address that the context only
/// compares, and closes under its lock, exactly once.
struct SocketHandle: Hashable, @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// A weak reference to the `Socket` that owns an open libzmq socket.
///
/// @unchecked Sendable: `Socket` is not thread-safe, and the context reaches it only in
/// ``Context/close(linger:)`` (directly or at process exit), to mark it closed. That
/// method's contract is that no other thread is using the context's sockets then, which
/// is also what closing them requires.
struct SocketOwner: @unchecked Sendable {
    weak var socket: (any SocketHandleOwner)?
    /// The monitor attached to the socket, which must be detached before it closes.
    var monitor: MonitorAttachment?
    /// The socket's place in the reactor, once a task has awaited it, which must be
    /// removed before it closes.
    var readiness: SocketReadiness?
}
