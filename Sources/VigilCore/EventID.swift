/// A ULID: 48 bits of milliseconds since the epoch and 80 random bits, written as 26 Crockford
/// base-32 characters. Ids sort by time; within one generator they also sort by creation order.
public struct EventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64  // 48-bit time << 16 | 16 random bits
    public var low: UInt64  // 64 random bits

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var milliseconds: UInt64 { high >> 16 }

    public static func < (lhs: EventID, rhs: EventID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }

    private static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public var description: String {
        String(unsafeUninitializedCapacity: 26) { buffer in
            write(to: UnsafeMutableRawBufferPointer(buffer))
            return 26
        }
    }

    /// Appends the 26 characters to `bytes`.
    public func appendText(to bytes: inout [UInt8]) {
        var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            write(to: buffer)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<26]))
        }
    }

    /// Appends the 26 characters to `buffer`.
    func appendText(to buffer: inout JSONRowBuffer) {
        buffer.reserve(26)
        buffer.withUnwritten(26) { write(to: $0) }
    }

    /// Writes the 26 characters into the first 26 bytes of `out`.
    private func write(to out: UnsafeMutableRawBufferPointer) {
        EventID.alphabet.withUnsafeBufferPointer { alphabet in
            // 128 bits as 26 groups of 5 bits, the first group holding the top 3 bits.
            for i in 0..<26 {
                let shift = 125 - i * 5  // bit position of this group's lowest bit, counted from the right
                let value: UInt64
                if shift >= 64 {
                    value = (high >> UInt64(shift - 64)) & 0x1F
                } else if shift > 59 {
                    // straddles the two words
                    let fromHigh = high << UInt64(64 - shift) & 0x1F
                    value = fromHigh | (low >> UInt64(shift))
                } else {
                    value = (low >> UInt64(shift)) & 0x1F
                }
                out[i] = alphabet[Int(value & 0x1F)]
            }
        }
    }

    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let id = text.withUTF8({ EventID(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = id
    }

    /// Parses the 26 characters of a ULID (Crockford base 32, any case; `O` reads as 0, `I` and
    /// `L` as 1).
    public init?(utf8: UnsafeRawBufferPointer) {
        guard utf8.count == 26 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var first = true
        for byte in utf8 {
            let v = EventID.values[Int(byte)]
            if v == 0xFF || (first && v > 7) { return nil }
            first = false
            // shift the 128-bit (high, low) left by 5 and add v
            high = high << 5 | low >> 59
            low = low << 5 | UInt64(v)
        }
        self.init(high: high, low: low)
    }

    /// Each byte's value in base 32, 0xFF where it is not a digit.
    private static let values: [UInt8] = (0...255).map { (byte: Int) -> UInt8 in
        var b = UInt8(byte)
        if b >= 0x61 && b <= 0x7A { b -= 0x20 }
        switch b {
        case UInt8(ascii: "O"): return 0
        case UInt8(ascii: "I"), UInt8(ascii: "L"): return 1
        default: return alphabet.firstIndex(of: b).map(UInt8.init) ?? 0xFF
        }
    }
}

/// Makes ULIDs that increase strictly, even when several are made in one millisecond.
public struct EventIDGenerator: Sendable {
    private var lastHigh: UInt64 = 0
    private var lastLow: UInt64 = 0
    private var rng = SystemRandomNumberGenerator()

    public init() {}

    public mutating func next(at time: Timestamp) -> EventID {
        let ms = UInt64(max(0, time.microseconds / 1000)) & 0xFFFF_FFFF_FFFF
        if ms <= lastHigh >> 16 && lastHigh != 0 {
            // Same (or earlier) millisecond: increment the previous id to keep order.
            lastLow &+= 1
            if lastLow == 0 { lastHigh &+= 1 }
        } else {
            lastHigh = ms << 16 | UInt64(rng.next() as UInt16)
            lastLow = rng.next()
        }
        return EventID(high: lastHigh, low: lastLow)
    }
}
