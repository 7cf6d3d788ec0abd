import CZeroMQ

/// When a blocking operation with a time limit gives up: `timeout` from now, where a
/// negative `timeout` counts as zero (it never means "forever"), or never for `nil`.
@usableFromInline
struct OperationDeadline {
    let instant: ContinuousClock.Instant?

    @usableFromInline
    init(_ timeout: Duration?) {
        instant = timeout.map { ContinuousClock.now.advanced(by: max($0, .zero)) }
    }
}

extension Socket {
    /// Waits until the socket is ready for `event` (`ZMQ_POLLIN` or `ZMQ_POLLOUT`), or
    /// `deadline` passes: the wait of the synchronous forms that take a `timeout`.
    ///
    /// - Returns: `true` when the socket may be ready (try the operation again), `false`
    ///   when the deadline has passed.
    @usableFromInline
    func waitUntilReady(_ event: Int32, until deadline: OperationDeadline, _ operation: StaticString) throws(ZMQError)
        -> Bool
    {
        while true {
            // -1: no deadline, poll until the socket is ready.
            var milliseconds: Int32 = -1
            if let instant = deadline.instant {
                let remaining = ContinuousClock.now.duration(to: instant)
                guard remaining > .zero else { return false }
                // Timeout(_:) rounds up to whole milliseconds, so the poll does not end a
                // fraction of a millisecond early and loop without waiting.
                milliseconds = Timeout(remaining).milliseconds
            }
            switch try pollAlone(Int16(event), milliseconds: milliseconds) {
            case .success(true): return true
            case .success(false): continue
            case .failure(let error) where error.code == EINTR: continue
            case .failure(let error): throw ZMQError.failed(error.code, operation, socket: kind.name)
            }
        }
    }
}
