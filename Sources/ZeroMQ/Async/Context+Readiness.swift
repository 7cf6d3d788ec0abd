import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Registration in the reactor

extension Context {
    /// Puts `socket`'s `ZMQ_FD` in the shared ``Reactor``'s kernel queue, the first
    /// time a task waits on it, and records it so that closing the socket removes it.
    ///
    /// Under the state lock, so that the socket cannot be closed meanwhile.
    func registerReadiness(_ socket: UnsafeMutableRawPointer, kindName: String) throws(ZMQError) -> SocketReadiness {
        let reactor = try Reactor.instance.get()
        let key = SocketHandle(raw: socket)
        let result: Result<SocketReadiness, ZMQError> = state.withLock { state in
            guard state.sockets[key] != nil else {
                return .failure(.closed("wait", socket: kindName))
            }
            let fd: Int32
            switch SocketCalls(socket).fileDescriptor() {
            case .success(let descriptor): fd = descriptor
            case .failure(let error): return .failure(ZMQError(error.code, operation: "getsockopt", target: "ZMQ_FD"))
            }
            let readiness = SocketReadiness(fd: fd, reactor: reactor)
            // The kernel queue's reference, released by SocketReadiness.close().
            let retained = Unmanaged.passRetained(readiness)
            do throws(ZMQError) {
                try reactor.events.add(fd, token: UInt(bitPattern: retained.toOpaque()))
            } catch {
                retained.release()
                return .failure(error)
            }
            state.sockets[key]?.readiness = readiness
            return .success(readiness)
        }
        return try result.get()
    }
}
