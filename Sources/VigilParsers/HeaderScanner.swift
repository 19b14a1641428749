/// A read position over one frame's bytes, with the small helpers the header parsers share.
/// Every read is bounds-checked: no input can trap.
struct HeaderScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func byte(at position: Int) -> UInt8? { position >= 0 && position < bytes.count ? bytes[position] : nil }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func skipSpaces() {
        while peek == .space { index += 1 }
    }

    /// The end of the run starting at `index` that stops before a space (or the end).
    func tokenEnd(from start: Int? = nil) -> Int {
        var i = start ?? index
        while i < bytes.count && bytes[i] != .space { i += 1 }
        return i
    }

    /// Count of ASCII digits starting at `position`.
    func digitRun(at position: Int) -> Int {
        var i = position
        while i < bytes.count && bytes[i].isDigit { i += 1 }
        return i - position
    }

    /// Bytes in `range` as text; invalid UTF-8 becomes U+FFFD.
    func text(_ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    /// `true` when the bytes at `position` spell `literal`.
    func matches(_ literal: StaticString, at position: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position >= 0, bytes.count - position >= count else { return false }
        let start = literal.utf8Start
        for i in 0..<count where bytes[position + i] != start[i] { return false }
        return true
    }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    /// RFC 5424 PRINTUSASCII (%d33-126).
    var isPrintUSASCII: Bool { self >= 33 && self <= 126 }
    var isASCIILetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
}
