/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) as an inclusive range of 16-byte addresses.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public var lower: IPAddress
    /// The last address of the block (host bits set).
    public var upper: IPAddress
    /// Prefix length over all 128 bits (an IPv4 `/8` is `104`).
    public var prefixLength: Int

    /// Parses `address/prefix`. IPv4 prefixes run 0...32 and IPv6 ones 0...128; host bits may be set.
    /// - Returns: `nil` when the text is not a CIDR block.
    public init?(cidr text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/"), let address = IPAddress.parse(text[..<slash]) else { return nil }
        let digits = text[text.index(after: slash)...]
        guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let length = Int(digits)
        else { return nil }
        let isIPv4 = address.isIPv4 && !text[..<slash].contains(":")
        guard length <= (isIPv4 ? 32 : 128) else { return nil }
        self.init(address: address, prefixLength: isIPv4 ? length + 96 : length)
    }

    /// The block of `prefixLength` leading bits (0...128) of `address`.
    public init(address: IPAddress, prefixLength: Int) {
        let length = max(0, min(128, prefixLength))
        let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~(UInt64.max >> UInt64(length)))
        let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : ~(UInt64.max >> UInt64(length - 64)))
        self.lower = IPAddress(high: address.high & highMask, low: address.low & lowMask)
        self.upper = IPAddress(high: address.high | ~highMask, low: address.low | ~lowMask)
        self.prefixLength = length
    }

    /// Whether `address` lies in the block.
    public func contains(_ address: IPAddress) -> Bool { lower <= address && address <= upper }

    /// `10.0.0.0/8` for IPv4 blocks, `2001:db8::/32` otherwise.
    public var description: String {
        if lower.isIPv4 && prefixLength >= 96 { return "\(lower)/\(prefixLength - 96)" }
        if lower.isIPv4 { return "::ffff:\(lower)/\(prefixLength)" }
        return "\(lower)/\(prefixLength)"
    }
}
