import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Monitors

/// A ``Monitor`` attached to a socket of its context: the token that tells it from a
/// later monitor of the same socket, and its close hook.
struct MonitorAttachment: Sendable {
    let token: Int
    let hook: Int
}

extension Context {
    /// Attaches a monitor to `socket` (`zmq_socket_monitor`), publishing `events` on the
    /// inproc `endpoint`, and registers a close hook that detaches it before
    /// ``close(linger:)`` closes any socket.
    ///
    /// Under the state lock, so that the socket cannot be closed meanwhile, and so that
    /// ``closeSocket(_:)`` knows to detach the monitor before it closes the socket.
    func attachMonitor(
        to socket: UnsafeMutableRawPointer, endpoint: String, events: Int32, kindName: String
    ) throws(ZMQError) -> MonitorAttachment {
        let key = SocketHandle(raw: socket)
        let result: Result<MonitorAttachment, ZMQError> = state.withLock { state in
            guard state.isOpen else {
                return .failure(.contextShutDown("zmq_socket_monitor", target: kindName))
            }
            guard state.sockets[key] != nil else {
                return .failure(.closed("zmq_socket_monitor", socket: kindName))
            }
            if let error = SocketCalls(socket).monitor(endpoint, events: events) {
                return .failure(ZMQError(error.code, operation: "zmq_socket_monitor", target: kindName))
            }
            state.nextMonitorToken += 1
            state.nextHookToken += 1
            let attachment = MonitorAttachment(token: state.nextMonitorToken, hook: state.nextHookToken)
            state.closeHooks[attachment.hook] = { [weak self] in
                self?.detachMonitor(from: key, attachment)
            }
            state.sockets[key]?.monitor = attachment
            return .success(attachment)
        }
        return try result.get()
    }

    /// Detaches the monitor `attachment` from `socket` (`zmq_socket_monitor` with a
    /// null endpoint), unless the socket was closed, or another monitor replaced it, since.
    func detachMonitor(from socket: UnsafeMutableRawPointer, _ attachment: MonitorAttachment) {
        detachMonitor(from: SocketHandle(raw: socket), attachment)
    }

    private func detachMonitor(from key: SocketHandle, _ attachment: MonitorAttachment) {
        state.withLock { state in
            state.closeHooks[attachment.hook] = nil
            guard state.sockets[key]?.monitor?.token == attachment.token else { return }
            _ = SocketCalls(key.raw).monitor(nil, events: 0)
            state.sockets[key]?.monitor = nil
        }
    }
}
