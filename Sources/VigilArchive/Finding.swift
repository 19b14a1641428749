/// One thing `vigil verify` found wrong, printed as one line naming the event.
public struct Finding: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The event's contents no longer match its hash (or its hash was recomputed).
        case modified
        /// Events are gone from the chain.
        case missing
        /// An event was added that the chain never had.
        case inserted
        /// Events are stored out of chain order.
        case reordered
        /// A segment file or its manifest is damaged.
        case segment
        /// A signed checkpoint or signature does not match.
        case signature
    }

    public var kind: Kind
    public var eventID: String?
    public var time: String?
    public var seq: Int64?
    /// `store` or the segment's file name.
    public var location: String
    public var detail: String

    public init(kind: Kind, eventID: String? = nil, time: String? = nil, seq: Int64? = nil, location: String, detail: String) {
        self.kind = kind
        self.eventID = eventID
        self.time = time
        self.seq = seq
        self.location = location
        self.detail = detail
    }

    init(_ kind: Kind, _ entry: ChainEntry, _ detail: String) {
        self.init(kind: kind, eventID: entry.id, time: entry.time, seq: entry.seq, location: entry.location, detail: detail)
    }

    /// `MODIFIED event 01J… at 2026-… (seq 5, store): its contents do not match its hash`
    public var text: String {
        var out = kind.rawValue.uppercased()
        if let eventID { out += " event " + eventID }
        if let time { out += " at " + time }
        out += " ("
        if let seq { out += "seq \(seq), " }
        out += location + "): " + detail
        return out
    }

    public var description: String { text }
}

/// What verification needs of one event, from the store or a segment.
struct ChainEntry: Sendable {
    var seq: Int64
    var id: String
    var time: String
    var prevHash: [UInt8]
    var hash: [UInt8]
    /// SHA-256(prev_hash ‖ canonical event) equals `hash`.
    var isIntact: Bool
    var location: String
}
