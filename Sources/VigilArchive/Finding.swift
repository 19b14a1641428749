import Crypto
import VigilCore

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

    init(_ kind: Kind, _ entry: ChainEntry, _ detail: String, at location: String) {
        self.init(
            kind: kind, eventID: entry.idText, time: entry.time?.rfc3339, seq: entry.seq,
            location: location, detail: detail)
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

/// What verification needs of one event, from the store or a segment: fixed-size fields only,
/// so a chain of millions of entries is one flat allocation.
struct ChainEntry: Sendable {
    // Laid out for a small stride (104 bytes): verify holds one per event.
    var prevHash: ChainHash
    var hash: ChainHash
    var seq: Int64
    private var storedID: EventID
    private var storedTime: Timestamp
    /// Index into the verifier's location names (`store`, then the segments).
    var location: Int32
    private var flags: UInt8

    init(seq: Int64, id: EventID?, time: Timestamp?, prevHash: ChainHash, hash: ChainHash, isIntact: Bool, location: Int32) {
        self.prevHash = prevHash
        self.hash = hash
        self.seq = seq
        storedID = id ?? EventID(high: 0, low: 0)
        storedTime = time ?? Timestamp(microseconds: 0)
        self.location = location
        flags = (isIntact ? 1 : 0) | (id == nil ? 0 : 2) | (time == nil ? 0 : 4)
    }

    /// Nil when the stored text is not a ULID (the event was edited).
    var id: EventID? { flags & 2 != 0 ? storedID : nil }
    /// Nil when the stored text is not a canonical time.
    var time: Timestamp? { flags & 4 != 0 ? storedTime : nil }
    /// SHA-256(prev_hash ‖ canonical event) equals `hash`.
    var isIntact: Bool { flags & 1 != 0 }

    var idText: String { id?.description ?? "(id unreadable)" }
}

/// A SHA-256 value held inline.
struct ChainHash: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    static let zero = ChainHash(words: (0, 0, 0, 0))

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Nil unless `bytes` holds exactly 32 bytes.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        words = (
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    init?(_ bytes: [UInt8]) {
        guard let hash = bytes.withUnsafeBytes({ ChainHash($0) }) else { return nil }
        self = hash
    }

    init(_ digest: SHA256Digest) {
        self = digest.withUnsafeBytes { ChainHash($0) } ?? .zero
    }

    /// 64 lowercase hex digits.
    init?(hex: ArraySlice<UInt8>) {
        guard hex.count == 64 else { return nil }
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var i = hex.startIndex
            for k in 0..<32 {
                let h = ChainHash.nibbles[Int(hex[i])]
                let l = ChainHash.nibbles[Int(hex[i + 1])]
                guard h | l < 16 else { return false }
                out[k] = h << 4 | l
                i += 2
            }
            return true
        }
        guard ok else { return nil }
        words = bytes
    }

    var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    static func == (a: ChainHash, b: ChainHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    private static let nibbles: [UInt8] = (0...255).map { (c: Int) -> UInt8 in
        switch c {
        case 0x30...0x39: return UInt8(c - 0x30)
        case 0x61...0x66: return UInt8(c - 0x61 + 10)
        default: return 0xFF
        }
    }
}
