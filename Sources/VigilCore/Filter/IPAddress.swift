/// An IPv4 or IPv6 address as 16 bytes in network order; IPv4 is held as `::ffff:a.b.c.d`.
///
/// The byte order makes addresses sort like their numbers, so the store keeps `bytes` in a BLOB
/// column and a CIDR block becomes `BETWEEN lower AND upper`.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an address from exactly 16 bytes; `nil` for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 {
            high = high << 8 | UInt64(bytes[i])
            low = low << 8 | UInt64(bytes[i + 8])
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            out[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            out[i + 8] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        return out
    }

    /// Whether this is an IPv4 address (`::ffff:0:0/96`).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Parses `a.b.c.d` or IPv6 text (`2001:db8::1`, `::ffff:10.0.0.1`); no zones, brackets or ports.
    /// - Returns: `nil` when the text is not exactly one address.
    public static func parse(_ text: some StringProtocol) -> IPAddress? {
        let bytes = Array(text.utf8)
        if let v4 = parseIPv4(bytes[...]) {
            return IPAddress(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4))
        }
        return parseIPv6(bytes)
    }

    /// Dotted quad for IPv4, RFC 5952 text for IPv6.
    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (48 - 16 * UInt64(i % 4)))
        }
        // Longest run (at least two) of zero groups becomes "::".
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength {
                bestStart = i
                bestLength = j - i
            }
            i = j
        }
        func hex(_ range: Range<Int>) -> String {
            range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    // MARK: - Parsing

    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var i = bytes.startIndex
        while parts < 4 {
            var part = 0
            var digits = 0
            while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 4 {
                part = part * 10 + Int(bytes[i] - 0x30)
                digits += 1
                i += 1
            }
            // Leading zeros are refused: some tools read them as octal.
            guard digits >= 1, digits <= 3, part <= 255, digits == 1 || bytes[i - digits] != 0x30 else {
                return nil
            }
            value = value << 8 | UInt32(part)
            parts += 1
            if parts < 4 {
                guard i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return i == bytes.endIndex ? value : nil
    }

    static func parseIPv6(_ bytes: [UInt8]) -> IPAddress? {
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var i = 0
        if bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return nil }
            sawGap = true
            i = 2
        }
        while i < bytes.count {
            // An embedded IPv4 tail takes the last 32 bits.
            if let dot = bytes[i...].firstIndex(of: UInt8(ascii: ".")),
                !bytes[i..<dot].contains(UInt8(ascii: ":"))
            {
                guard let v4 = parseIPv4(bytes[i...]) else { return nil }
                let groups = [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if sawGap { tail += groups } else { head += groups }
                i = bytes.count
                break
            }
            var group = 0
            var digits = 0
            while i < bytes.count, let d = hexDigit(bytes[i]) {
                group = group << 4 | d
                digits += 1
                i += 1
                guard digits <= 4 else { return nil }
            }
            guard digits > 0 else { return nil }
            if sawGap { tail.append(UInt16(group)) } else { head.append(UInt16(group)) }
            guard i < bytes.count else { break }
            guard bytes[i] == UInt8(ascii: ":"), i + 1 < bytes.count else { return nil }
            i += 1
            if bytes[i] == UInt8(ascii: ":") {
                guard !sawGap else { return nil }
                sawGap = true
                i += 1
            }
        }
        let count = head.count + tail.count
        guard sawGap ? count <= 7 : count == 8 else { return nil }
        let groups = head + [UInt16](repeating: 0, count: 8 - count) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for j in 0..<4 {
            high = high << 16 | UInt64(groups[j])
            low = low << 16 | UInt64(groups[j + 4])
        }
        return IPAddress(high: high, low: low)
    }

    private static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }
}
