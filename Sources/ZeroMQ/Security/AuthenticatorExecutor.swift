/// The task executor of an authenticator's handlers: it runs their tasks on the
/// authenticator's thread, between two polls, so that a handler needs no thread of the
/// cooperative pool (which blocking code elsewhere may hold) and a synchronous handler
/// runs where it always did. A handler that awaits gives the thread back to the other
/// requests until it resumes.
///
/// Jobs are queued under the lock of the channel from the tasks to the thread, and the
/// first job of a batch wakes the thread with an empty message on it. Once the thread
/// has ended (the channel's socket is gone), jobs go to the global concurrent executor,
/// so that the tasks still running (cancelled) end.
final class AuthenticatorExecutor: TaskExecutor, Sendable {
    /// The channel to the thread: replies and wake-ups, the queued jobs, the tasks.
    let channel: Locked<Channel>

    /// The sending end of the channel from the handlers' tasks to the thread, the jobs
    /// queued for the thread, and the tasks still running.
    ///
    /// @unchecked Sendable: the socket is used under the lock only, by one thread at a
    /// time, and closed under it by the authenticator's thread as it ends; a job is run
    /// once, by whoever takes it out of `jobs` under the lock.
    struct Channel: @unchecked Sendable {
        var socket: PushSocket?
        var jobs: [UnownedJob] = []
        var tasks: [Int: Task<Void, Never>] = [:]
        var nextTask = 0
    }

    init(socket: sending PushSocket) {
        channel = Locked(Channel(socket: socket))
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = channel.withLock { channel in
            guard let socket = channel.socket else { return false }
            channel.jobs.append(job)
            // The channel has no high-water mark: the send never waits.
            if channel.jobs.count == 1 { _ = try? socket.trySend(Message()) }
            return true
        }
        if !queued { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Runs the jobs queued so far, on the calling thread: the authenticator's.
    func runJobs() {
        let jobs = channel.withLock { channel in
            defer { channel.jobs = [] }
            return channel.jobs
        }
        let executor = asUnownedTaskExecutor()
        for job in jobs { job.runSynchronously(on: executor) }
    }

    /// Closes the channel, as the thread ends: the jobs still queued, and those enqueued
    /// from now on, run on the global concurrent executor, and the tasks are cancelled.
    func close() {
        let (jobs, tasks) = channel.withLock { channel in
            channel.socket?.close()
            channel.socket = nil
            defer {
                channel.jobs = []
                channel.tasks = [:]
            }
            return (channel.jobs, Array(channel.tasks.values))
        }
        for task in tasks { task.cancel() }
        for job in jobs { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
