import VigilCore

/// An event with its column values that take work to compute (id text, JSON of `attrs` and
/// `changes`, binary IP) already computed, so the single writer thread only binds and inserts.
/// Built by the producers, in parallel.
public struct EventRecord: Sendable {
    public var event: AuditEvent
    let idText: String
    let attrsJSON: String?
    let changesJSON: String?
    let ipBinary: [UInt8]?

    public init(_ event: AuditEvent) {
        self.event = event
        idText = event.id.description
        if event.attrs.isEmpty {
            attrsJSON = nil
        } else {
            var w = JSONWriter(capacity: 256)
            w.write(.object(event.attrs))
            attrsJSON = w.string
        }
        if event.changes.isEmpty {
            changesJSON = nil
        } else {
            var w = JSONWriter(capacity: 128)
            w.write(AuditEvent.changesJSON(event.changes))
            changesJSON = w.string
        }
        ipBinary = event.ip.flatMap { IPAddress.parse($0)?.bytes }
    }
}
