import CZeroMQ

/// Subscriptions, on SUB and XSUB sockets.
///
/// A subscription is a prefix: a subscriber receives every message whose first frame
/// starts with one of its subscriptions. A new SUB socket is subscribed to nothing and
/// receives nothing until it subscribes. On XSUB, where libzmq has no subscription
/// option, the same calls send the subscription message (`0x01` or `0x00` followed by
/// the prefix) upstream.
extension Socket where Kind: SubscribingSocketType {
    /// Subscribes to messages whose first frame starts with `prefix`.
    ///
    /// The corresponding C option is `ZMQ_SUBSCRIBE`.
    public func subscribe(to prefix: some Sequence<UInt8>) throws(ZMQError) {
        try changeSubscription(subscribe: true, Array(prefix))
    }

    /// Subscribes to messages whose first frame starts with the UTF-8 bytes of
    /// `topic`. The corresponding C option is `ZMQ_SUBSCRIBE`.
    public func subscribe(to topic: String) throws(ZMQError) {
        try changeSubscription(subscribe: true, Array(topic.utf8))
    }

    /// Subscribes to every message (the empty prefix). The corresponding C option is
    /// `ZMQ_SUBSCRIBE` with an empty value.
    public func subscribeToAll() throws(ZMQError) {
        try changeSubscription(subscribe: true, [])
    }

    /// Removes one subscription to `prefix` (subscriptions are counted).
    /// The corresponding C option is `ZMQ_UNSUBSCRIBE`.
    public func unsubscribe(from prefix: some Sequence<UInt8>) throws(ZMQError) {
        try changeSubscription(subscribe: false, Array(prefix))
    }

    /// Removes one subscription to `topic`. The corresponding C option is
    /// `ZMQ_UNSUBSCRIBE`.
    public func unsubscribe(from topic: String) throws(ZMQError) {
        try changeSubscription(subscribe: false, Array(topic.utf8))
    }

    /// Removes one subscription to every message. The corresponding C option is
    /// `ZMQ_UNSUBSCRIBE` with an empty value.
    public func unsubscribeFromAll() throws(ZMQError) {
        try changeSubscription(subscribe: false, [])
    }

    private func changeSubscription(subscribe: Bool, _ prefix: [UInt8]) throws(ZMQError) {
        let operation: StaticString = subscribe ? "subscribe" : "unsubscribe"
        guard kind.canSubscribe else {
            // Only a DynamicSocket of another kind gets here; libzmq would say EINVAL.
            throw ZMQError(
                CZMQ_ENOTSUP, operation: operation.description, target: kind.name,
                reason: "\(kind.name) sockets do not support \(operation)")
        }
        if kind == .xsub {
            // The subscription message, sent like any other (EINTR retried, errors
            // explained by the same path).
            let message = [subscribe ? 1 : 0] + prefix
            let sent = message.withUnsafeBytes { bytes in
                Result { () throws(ZMQError) in try sendRaw(bytes, flags: 0, operation) }
            }
            _ = try sent.get()
            return
        }
        let option = subscribe ? ZMQ_SUBSCRIBE : ZMQ_UNSUBSCRIBE
        try withCalls(operation) { calls throws(ZMQError) in
            if let error = prefix.withUnsafeBytes({ calls.setOption(option, $0) }) {
                throw ZMQError(
                    error.code, operation: operation.description, target: String(decoding: prefix, as: UTF8.self))
            }
        }
    }
}
