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

    var id: EventID?
    var time: Timestamp?
    var prevHash: ChainHash
    var hash: ChainHash
    /// SHA-256(prev_hash ‖ canonical bytes) equals `hash`.
    var isIntact: Bool

    private static let idPrefix = Array(#"{"id":""#.utf8)
    private static let timePrefix = Array(#"","time":""#.utf8)

    /// Nil when the line is not an event line with chain fields at the end.
    init?(_ line: ArraySlice<UInt8>) {
        let n = line.count
        guard n > SegmentLine.suffixLength + 8, line.last == UInt8(ascii: "}") else { return nil }
        let suffixStart = line.endIndex - SegmentLine.suffixLength
        guard line[suffixStart..<suffixStart + 14].elementsEqual(SegmentLine.prevMarker),
            line[suffixStart + 78..<suffixStart + 88].elementsEqual(SegmentLine.hashMarker),
            let prev = ChainHash(hex: line[suffixStart + 14..<suffixStart + 78]),
            let hash = ChainHash(hex: line[suffixStart + 88..<suffixStart + 152])
        else { return nil }
        prevHash = prev
        self.hash = hash
        var hasher = SHA256()
        withUnsafeBytes(of: prev.words) { hasher.update(bufferPointer: $0) }
        line.withUnsafeBytes { raw in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: raw[0..<(suffixStart - line.startIndex)]))
        }
        withUnsafeBytes(of: UInt8(ascii: "}")) { hasher.update(bufferPointer: $0) }
        isIntact = ChainHash(hasher.finalize()) == hash
        // The canonical encoding starts {"id":"<26>","time":"<27>"; anything else was edited.
        let s = line.startIndex
        let idStart = s + SegmentLine.idPrefix.count
        let timeStart = idStart + 26 + SegmentLine.timePrefix.count
        if n > timeStart - s + 28, line[s..<idStart].elementsEqual(SegmentLine.idPrefix),
            line[idStart + 26..<timeStart].elementsEqual(SegmentLine.timePrefix)
        {
            (id, time) = line.withUnsafeBytes { raw in
                let idBytes = UnsafeRawBufferPointer(rebasing: raw[idStart - s..<idStart - s + 26])
                let timeBytes = UnsafeRawBufferPointer(rebasing: raw[timeStart - s..<timeStart - s + 27])
                let closed = raw[timeStart - s + 27] == UInt8(ascii: "\"")
                return (EventID(utf8: idBytes), closed ? Timestamp(canonicalUTF8: timeBytes) : nil)
            }
        } else {
            id = nil
            time = nil
        }
    }
}
