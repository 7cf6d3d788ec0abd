#if Services
import Tracing
import ZeroMQ

// A trace context crosses a ZeroMQ hop in one frame of text, so that any peer can make
// and read it: a pyzmq program with `"\n".join(f"{k}: {v}" for k, v in headers.items())`,
// a C program with `snprintf`. The format is HTTP's header lines, without HTTP.

extension Message {
    /// A frame that carries `context` to another process: the fields `instrument` injects
    /// (for a W3C propagator, such as swift-otel's, `traceparent` and `tracestate`), one
    /// UTF-8 line `name: value` each, separated by `\n`, in the order the instrument gives
    /// them.
    ///
    /// ```text
    /// traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
    /// tracestate: congo=t61rcWkgMzE
    /// ```
    ///
    /// A context without a span (and an instrument that injects nothing, such as the
    /// default no-op one) gives an empty frame, which
    /// ``ZeroMQ/Message/extractTraceContext(into:instrument:)`` reads as no context. Where
    /// the frame goes is the application protocol's choice; a common one is first, before
    /// the body: a client sends `[trace frame, body]`, a ROUTER/DEALER proxy forwards it
    /// untouched, and the worker extracts it before it starts its span:
    ///
    /// <!-- snippet: function; prelude: import Tracing; let context = try Context();
    ///     let socket = try DealerSocket(context) -->
    /// ```swift
    /// try await withSpan("request", ofKind: .client) { span in
    ///     try await socket.sendMultipart([Message(traceContext: span.context), Message("body")])
    /// }
    /// ```
    ///
    /// A field whose name is empty or holds `:`, `\r` or `\n`, or whose value holds `\r` or
    /// `\n`, cannot be written in this format, and is left out (W3C fields never are). A
    /// field injected twice keeps its last value.
    ///
    /// - Parameters:
    ///   - context: The context to propagate, such as `span.context` or
    ///     `ServiceContext.current`.
    ///   - instrument: The instrument that writes the fields; by default the one
    ///     bootstrapped with `InstrumentationSystem.bootstrap(_:)`.
    ///
    /// There is no libzmq counterpart: the frame is an ordinary message part, sent with
    /// `ZMQ_SNDMORE` before the body.
    public init(traceContext context: ServiceContext, instrument: any Instrument = InstrumentationSystem.instrument) {
        var fields = TraceContextFields()
        instrument.inject(context, into: &fields, using: TraceContextInjector())
        self.init(fields.text)
    }

    /// The context this frame carries, read by `instrument` (the inverse of
    /// ``ZeroMQ/Message/init(traceContext:instrument:)``), added to `context`.
    ///
    /// The frame is read leniently, as W3C Trace Context asks of a receiver: it never
    /// throws, and whatever cannot be read is ignored and the rest used. An empty frame,
    /// one that is not UTF-8, or one without the fields the instrument looks for gives
    /// `context` back as the instrument leaves it (with W3C, a new trace starts at the
    /// worker). In detail:
    /// - lines are separated by `\n`; a `\r` before it is dropped, so `\r\n` works too;
    /// - a line is a name, `:`, and a value; spaces and tabs around the name and the value
    ///   are dropped; a line without `:`, with an empty name, or not valid UTF-8 is skipped;
    /// - names are compared without regard to ASCII case, as HTTP's are; when a name comes
    ///   more than once, the first line with it counts;
    /// - a frame longer than 16 KiB (``traceContextLimit``) is not read at all: W3C's
    ///   `traceparent` is 55 characters, `tracestate` at most 32 members, and `baggage` at
    ///   most 8192 bytes, so only a broken or hostile peer sends more.
    ///
    /// - Parameters:
    ///   - context: The context to add the extracted values to; by default a new top-level
    ///     one.
    ///   - instrument: The instrument that reads the fields; by default the one bootstrapped
    ///     with `InstrumentationSystem.bootstrap(_:)`.
    /// - Returns: `context` with what `instrument` extracted; pass it to `withSpan(_:context:)`
    ///   or `startSpan(_:context:)` to continue the sender's trace.
    public func extractTraceContext(
        into context: ServiceContext = .topLevel, instrument: any Instrument = InstrumentationSystem.instrument
    ) -> ServiceContext {
        // A peer's frame is not trusted with the receiver's time: past the limit it is
        // not read at all, as a frame that carries nothing.
        guard count <= Self.traceContextLimit else { return context }
        let fields = withUnsafeBytes { TraceContextFields(parsing: $0) }
        var context = context
        instrument.extract(fields, into: &context, using: TraceContextExtractor())
        return context
    }
}

extension Message {
    /// The size past which ``extractTraceContext(into:instrument:)`` does not read a
    /// frame: 16 KiB, twice what W3C's trace context and baggage headers may hold together.
    public static let traceContextLimit = 16 * 1024
}

/// The `name: value` fields of a trace-context frame, in order: the carrier that
/// ``TraceContextInjector`` writes and ``TraceContextExtractor`` reads.
///
/// ``ZeroMQ/Message/init(traceContext:instrument:)`` and
/// ``ZeroMQ/Message/extractTraceContext(into:instrument:)`` use it for you; it is public for
/// an application that carries the fields some other way, or injects with an instrument
/// of its own. (A `Message` cannot be the carrier itself: carriers are `Sendable`, and a
/// message is not.)
public struct TraceContextFields: Sendable, Hashable {
    /// One field.
    public struct Field: Sendable, Hashable {
        /// The field's name, as the instrument gave it (such as `traceparent`).
        public var name: String
        /// The field's value.
        public var value: String

        /// A field named `name` holding `value`.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in the order they were injected or read.
    public var fields: [Field]

    /// No fields.
    public init() {
        fields = []
    }

    /// Reads the lines of a frame, leniently, as
    /// ``ZeroMQ/Message/extractTraceContext(into:instrument:)`` describes: what cannot be
    /// read is skipped, and nothing throws.
    public init(parsing frame: UnsafeRawBufferPointer) {
        fields = []
        var start = frame.startIndex
        while start < frame.endIndex {
            let end = frame[start...].firstIndex(of: UInt8(ascii: "\n")) ?? frame.endIndex
            var line = frame[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if let field = Self.field(line) { fields.append(field) }
            start = end + 1
        }
    }

    /// The field of one line, or `nil` when it is not one.
    private static func field(_ line: Slice<UnsafeRawBufferPointer>) -> Field? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
            let name = String(validating: line[..<colon], as: UTF8.self),
            let value = String(validating: line[(colon + 1)...], as: UTF8.self)
        else { return nil }
        let trimmedName = trimmed(name)
        guard !trimmedName.isEmpty else { return nil }
        return Field(name: trimmedName, value: trimmed(value))
    }

    /// `text` without the spaces and tabs at its ends (HTTP's optional white space).
    private static func trimmed(_ text: String) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !blank($0) }) else { return "" }
        let last = text.lastIndex(where: { !blank($0) })!
        return String(text[first...last])
    }

    /// The value of the first field named `name` (compared without regard to ASCII case),
    /// or `nil` when there is none.
    ///
    /// Setting a value replaces that field's value, or appends a field when there is none;
    /// setting `nil` removes every field with the name. A name or value that the format
    /// cannot hold (see ``ZeroMQ/Message/init(traceContext:instrument:)``) is not set.
    public subscript(name: String) -> String? {
        get {
            fields.first { Self.sameName($0.name, name) }?.value
        }
        set {
            guard let newValue else {
                fields.removeAll { Self.sameName($0.name, name) }
                return
            }
            guard Self.writable(name: name, value: newValue) else { return }
            if let index = fields.firstIndex(where: { Self.sameName($0.name, name) }) {
                fields[index].value = newValue
            } else {
                fields.append(Field(name: name, value: newValue))
            }
        }
    }

    /// The frame's text: each field as `name: value`, joined by `\n` (no `\n` after the
    /// last one; no fields, an empty text).
    public var text: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Whether a field can be written as a line and read back as it was.
    private static func writable(name: String, value: String) -> Bool {
        let breaks: (Character) -> Bool = { $0 == "\n" || $0 == "\r" }
        return trimmed(name) == name && !name.isEmpty && !name.contains(where: { breaks($0) || $0 == ":" })
            && !value.contains(where: breaks)
    }

    private static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { lowercased($0) == lowercased($1) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}

/// Writes what an instrument injects into ``TraceContextFields``, for
/// ``ZeroMQ/Message/init(traceContext:instrument:)``.
public struct TraceContextInjector: Injector {
    /// Makes an injector.
    public init() {}

    /// Sets the field `key` to `value` (see ``TraceContextFields/subscript(_:)``).
    public func inject(_ value: String, forKey key: String, into carrier: inout TraceContextFields) {
        carrier[key] = value
    }
}

/// Reads the fields an instrument asks for from ``TraceContextFields``, for
/// ``ZeroMQ/Message/extractTraceContext(into:instrument:)``.
public struct TraceContextExtractor: Extractor {
    /// Makes an extractor.
    public init() {}

    /// The value of the first field named `key`, without regard to ASCII case.
    public func extract(key: String, from carrier: TraceContextFields) -> String? {
        carrier[key]
    }
}
#endif
