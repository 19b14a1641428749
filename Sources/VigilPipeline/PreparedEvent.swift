import VigilCore
import VigilStore

/// An event ready for the writer: its id assigned, its canonical bytes encoded and its columns
/// computed. Producers build these in parallel; the writer only links the chain and inserts.
public struct PreparedEvent: Sendable {
    public var record: EventRecord
    /// Resolved by the writer once this event is committed (set on the last event of a batch).
    public var ack: CommitAck?

    public var event: AuditEvent { record.event }
    /// The canonical encoding the hash chain digests (the event without `prev_hash`/`hash`).
    public var canonical: [UInt8] { record.canonical.bytes }

    /// Gives `event` an id (unless it has one) from `ids` and encodes it.
    public init(_ event: AuditEvent, ids: inout EventIDGenerator) {
        var buffer = JSONRowBuffer(capacity: 1024)
        defer { buffer.deallocate() }
        self.init(event, ids: &ids, buffer: &buffer)
    }

    /// Like ``init(_:ids:)``, encoding through `buffer` (reused across a batch).
    init(_ event: AuditEvent, ids: inout EventIDGenerator, buffer: inout JSONRowBuffer) {
        var event = event
        if event.id == EventID(high: 0, low: 0) { event.id = ids.next(at: event.received) }
        // Only when set: a write would copy the event's fields, which the caller's array still shares.
        if event.prevHash != nil { event.prevHash = nil }
        if event.hash != nil { event.hash = nil }
        record = EventRecord(event, canonical: event.canonicalEncoding(using: &buffer))
    }

    /// Prepares a batch with one id generator (ids increase within the batch).
    public static func batch(_ events: [AuditEvent]) -> [PreparedEvent] {
        var ids = EventIDGenerator()
        var buffer = JSONRowBuffer(capacity: 8192)
        defer { buffer.deallocate() }
        return events.map { PreparedEvent($0, ids: &ids, buffer: &buffer) }
    }
}
