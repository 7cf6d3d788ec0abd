// A small W3C Trace Context tracer for the traced examples (traced-client, traced-worker):
// enough to show one trace crossing processes, not a replacement for swift-otel.
//
// It keeps the current span's ids in the ServiceContext, writes and reads W3C's
// `traceparent` (00-<32 hex trace id>-<16 hex span id>-<2 hex flags>) when a context
// crosses a process (ZeroMQServices' trace frame), and prints each finished span as one
// line, for a person or a test to read:
//
//   span trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 parent_span_id=- kind=client name=request 1
//
// In production, bootstrap swift-otel's tracer instead (Docs/Production.md): it writes the
// same `traceparent` (and `tracestate`), so peers need no change.
import Synchronization
import Tracing

/// The ids of a span, as W3C Trace Context writes them (lower-case hex).
public struct W3CSpanContext: Sendable, Hashable {
    /// 32 hex digits: the same for every span of a trace.
    public var traceID: String
    /// 16 hex digits: this span's.
    public var spanID: String
    /// The span this one continues: in the same process, or in the process the context
    /// came from.
    public var parentSpanID: String?

    /// The `traceparent` value for a span that continues this one.
    public var traceParent: String { "00-\(traceID)-\(spanID)-01" }

    /// The span context a `traceparent` value names, or `nil` when it is not valid (W3C:
    /// then it is ignored, and a new trace starts).
    public init?(traceParent: String) {
        let parts = traceParent.split(separator: "-", omittingEmptySubsequences: false)
        func hex(_ part: Substring, _ count: Int) -> Bool {
            part.utf8.count == count && part.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
        }
        guard parts.count == 4, parts[0] == "00", hex(parts[1], 32), hex(parts[2], 16), hex(parts[3], 2),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        traceID = String(parts[1])
        spanID = String(parts[2])
        parentSpanID = nil
    }

    init(traceID: String, spanID: String, parentSpanID: String?) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
    }

    static func randomID(hexDigits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<hexDigits).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }
}

private enum W3CSpanContextKey: ServiceContextKey {
    typealias Value = W3CSpanContext
}

extension ServiceContext {
    /// The span this context is in: a span of this process, or the remote one a
    /// `traceparent` named.
    public var w3cSpanContext: W3CSpanContext? {
        get { self[W3CSpanContextKey.self] }
        set { self[W3CSpanContextKey.self] = newValue }
    }
}

/// A tracer that prints each span as it ends, with its trace id, span id and parent span id.
public struct W3CTracer: Tracer {
    public typealias Span = W3CSpan

    private let report: @Sendable (String) -> Void

    /// A tracer that hands each finished span's line to `report` (by default, prints it).
    public init(report: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.report = report
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> W3CSpan {
        var context = context()
        let parent = context.w3cSpanContext
        context.w3cSpanContext = W3CSpanContext(
            traceID: parent?.traceID ?? W3CSpanContext.randomID(hexDigits: 32),
            spanID: W3CSpanContext.randomID(hexDigits: 16), parentSpanID: parent?.spanID)
        return W3CSpan(operationName: operationName, kind: kind, context: context, report: report)
    }

    public func activeSpan(identifiedBy context: ServiceContext) -> W3CSpan? { nil }

    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        if let span = context.w3cSpanContext {
            injector.inject(span.traceParent, forKey: "traceparent", into: &carrier)
        }
    }

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        if let value = extractor.extract(key: "traceparent", from: carrier),
            let remote = W3CSpanContext(traceParent: value)
        {
            context.w3cSpanContext = remote
        }
    }
}

/// A span of ``W3CTracer``: it records nothing but its name and status, and prints its line
/// when it ends.
public final class W3CSpan: Span {
    public let context: ServiceContext
    private let kind: SpanKind
    private let report: @Sendable (String) -> Void
    private let state: Mutex<(name: String, attributes: SpanAttributes, error: Bool, ended: Bool)>

    init(operationName: String, kind: SpanKind, context: ServiceContext, report: @escaping @Sendable (String) -> Void) {
        self.context = context
        self.kind = kind
        self.report = report
        state = Mutex((operationName, [:], false, false))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) {
        if status.code == .error { state.withLock { $0.error = true } }
    }

    public func addEvent(_ event: SpanEvent) {}

    public func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        state.withLock { $0.error = true }
    }

    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let (name, error, first) = state.withLock { state in
            defer { state.ended = true }
            return (state.name, state.error, !state.ended)
        }
        guard first, let ids = context.w3cSpanContext else { return }
        report(
            "span trace_id=\(ids.traceID) span_id=\(ids.spanID) parent_span_id=\(ids.parentSpanID ?? "-")"
                + " kind=\(kind) status=\(error ? "error" : "ok") name=\(name)")
    }
}
