import VigilCore
import VigilStore

/// An event ready for the writer: its id assigned, its canonical bytes encoded and its columns
/// computed. Producers build these in parallel; the writer only links the chain and inserts.
public struct PreparedEvent: Sendable {
    public var record: EventRecord
    /// The canonical encoding the hash chain digests (the event without `prev_hash`/`hash`).
    public let canonical: [UInt8]
    /// Resolved by the writer once this event is committed (set on the last event of a batch).
    public var ack: CommitAck?

    public var event: AuditEvent { record.event }

    /// Gives `event` an id (unless it has one) from `ids` and encodes it.
    public init(_ event: AuditEvent, ids: inout EventIDGenerator) {
        var event = event
        if event.id == EventID(high: 0, low: 0) { event.id = ids.next(at: event.received) }
        event.prevHash = nil
        event.hash = nil
        canonical = event.canonicalBytes
        record = EventRecord(event)
    }

    /// Prepares a batch with one id generator (ids increase within the batch).
    public static func batch(_ events: [AuditEvent]) -> [PreparedEvent] {
        var ids = EventIDGenerator()
        return events.map { PreparedEvent($0, ids: &ids) }
    }
}
