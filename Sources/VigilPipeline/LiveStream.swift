import Metrics
import Synchronization
import VigilCore

/// Fans stored events out to live subscribers (`vigil tail`, the HTTP tail, later alerts).
///
/// Each subscriber has a bounded buffer; a subscriber that reads too slowly loses the oldest
/// events of its own buffer (counted in `vigil_tail_dropped_total`), never slowing the writer.
public final class LiveStream: Sendable {
    private struct Subscriber {
        let matches: @Sendable (AuditEvent) -> Bool
        let continuation: AsyncStream<AuditEvent>.Continuation
    }

    private let subscribers = Mutex<[Int: Subscriber]>([:])
    private let nextID = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let dropped = Counter(label: "vigil_tail_dropped_total")

    public init() {}

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A stream of newly stored events that satisfy `matches`; it ends when the caller stops iterating
    /// or the stream is finished at shutdown.
    public func subscribe(bufferSize: Int = 10_000, matches: @escaping @Sendable (AuditEvent) -> Bool)
        -> AsyncStream<AuditEvent>
    {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: AuditEvent.self, bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = Subscriber(matches: matches, continuation: continuation) }
        if finished.load(ordering: .acquiring) { finish() }
        return stream
    }

    /// Called by the writer after each commit.
    public func publish(_ events: [AuditEvent]) {
        let current = subscribers.withLock { Array($0.values) }
        guard !current.isEmpty else { return }
        var drops = 0
        for subscriber in current {
            for event in events where subscriber.matches(event) {
                if case .dropped = subscriber.continuation.yield(event) { drops += 1 }
            }
        }
        if drops > 0 { dropped.increment(by: drops) }
    }

    /// Ends every subscription (shutdown).
    public func finish() {
        finished.store(true, ordering: .releasing)
        let current = subscribers.withLock { s in
            defer { s.removeAll() }
            return Array(s.values)
        }
        for subscriber in current { subscriber.continuation.finish() }
    }
}
