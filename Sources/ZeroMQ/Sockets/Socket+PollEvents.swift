extension Socket {
    /// What the socket can do now without blocking: ``PollEvents/readable`` when a
    /// message can be received, ``PollEvents/writable`` when one can be sent.
    ///
    /// Reading it makes libzmq process the commands that wait for the socket, so it
    /// is current. To wait until it shows something, use ``Poller`` (blocking a thread
    /// for any number of sockets) or ``wait(for:timeout:)`` (in async code, one
    /// socket). The corresponding C option is `ZMQ_EVENTS`.
    public var events: PollEvents {
        get throws(ZMQError) { try option(.events) }
    }
}
