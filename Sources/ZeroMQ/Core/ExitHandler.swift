import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The exit handler that closes what top-level code leaves open.
///
/// Swift never releases global variables, so a context and sockets created in
/// top-level code are never closed, and a process that exits with messages still
/// queued would lose them when libzmq's threads die with it. The handler, installed
/// with `atexit` when the first context is created, closes every context still alive,
/// as czmq does at exit.
enum ExitHandler {
    /// The contexts alive now, held weakly, by identity.
    static let contexts = Locked<[ObjectIdentifier: WeakContext]>([:])

    struct WeakContext {
        weak var context: Context?
    }

    static let installed: Void = {
        atexit {
            let alive = ExitHandler.contexts.withLock { contexts in
                contexts.values.compactMap(\.context)
            }
            for context in alive {
                context.closeAtExit()
            }
        }
    }()

    static func register(_ context: Context) {
        _ = installed
        contexts.withLock { $0[ObjectIdentifier(context)] = WeakContext(context: context) }
    }

    static func unregister(_ context: Context) {
        _ = contexts.withLock { $0.removeValue(forKey: ObjectIdentifier(context)) }
    }
}
