import Crypto
import VigilCore

/// One line of a segment, read without a JSON parser: a segment line is the event's canonical
/// JSON with `,"prev_hash":"…","hash":"…"` as its last two fields, so the bytes the chain hashed
/// are the line up to that suffix, closed with `}`.
///
///     {"id":"01J…","time":"2026-11-22T10:00:01.000000Z",…,"prev_hash":"<64 hex>","hash":"<64 hex>"}
///     └──────────── canonical bytes (plus "}") ───────────┘
struct SegmentLine {
    static let suffixLength = 14 + 64 + 10 + 64 + 2
    static let prevMarker = Array(#","prev_hash":""#.utf8)
    static let hashMarker = Array(#"","hash":""#.utf8)

    var id: String
    var time: String
    var prevHash: [UInt8]
    var hash: [UInt8]
    /// SHA-256(prev_hash ‖ canonical bytes) equals `hash`.
    var isIntact: Bool

    /// Nil when the line is not an event line with chain fields at the end.
    init?(_ line: ArraySlice<UInt8>) {
        let n = line.count
        guard n > SegmentLine.suffixLength + 8, line.last == UInt8(ascii: "}") else { return nil }
        let suffixStart = line.endIndex - SegmentLine.suffixLength
        guard line[suffixStart..<suffixStart + 14].elementsEqual(SegmentLine.prevMarker),
            line[suffixStart + 78..<suffixStart + 88].elementsEqual(SegmentLine.hashMarker),
            let prev = SegmentLine.hex(line[suffixStart + 14..<suffixStart + 78]),
            let hash = SegmentLine.hex(line[suffixStart + 88..<suffixStart + 152])
        else { return nil }
        prevHash = prev
        self.hash = hash
        var hasher = SHA256()
        hasher.update(data: prev)
        line.withUnsafeBytes { raw in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[0..<(suffixStart - line.startIndex)]))
        }
        hasher.update(data: [UInt8(ascii: "}")])
        isIntact = hasher.finalize().elementsEqual(hash)
        id = SegmentLine.stringField(line, prefix: #"{"id":""#) ?? "?"
        time = SegmentLine.stringField(line, prefix: #"","time":""#, after: 7 + 26) ?? "?"
    }

    private static func stringField(_ line: ArraySlice<UInt8>, prefix: String, after offset: Int = 0) -> String? {
        let p = Array(prefix.utf8)
        let start = line.startIndex + offset
        guard line.count > offset + p.count, line[start..<start + p.count].elementsEqual(p) else { return nil }
        let valueStart = start + p.count
        guard let end = line[valueStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: line[valueStart..<end], as: UTF8.self)
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(32)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            guard let h = nibble(bytes[i]), let l = nibble(bytes[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
