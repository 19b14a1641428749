import VigilCore

/// An event with its canonical encoding and the column values that take work to compute (binary
/// IP), so the single writer thread only binds and inserts. Built by the producers, in parallel.
///
/// The id, `attrs` and `changes` columns are bound straight from the canonical bytes, which hold
/// exactly that text, so no second encoding is made or kept.
public struct EventRecord: Sendable {
    public var event: AuditEvent
    /// The canonical encoding the hash chain digests (the event without `prev_hash`/`hash`).
    public let canonical: AuditEvent.CanonicalEncoding
    let ip: IPAddress?

    public init(_ event: AuditEvent) {
        self.init(event, canonical: event.canonicalEncoding)
    }

    /// - Parameter canonical: `event.canonicalEncoding`, already computed.
    public init(_ event: AuditEvent, canonical: AuditEvent.CanonicalEncoding) {
        self.event = event
        self.canonical = canonical
        ip = event.ip.flatMap { IPAddress.parse($0) }
    }
}
