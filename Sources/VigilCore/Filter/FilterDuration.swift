/// A length of time written the filter way: `30s`, `15m`, `2h`, `7d`, `2w`, `500ms`, `250us`, or a sum such as `1h30m`.
public struct FilterDuration: Sendable, Hashable, CustomStringConvertible {
    /// The length in microseconds (never negative).
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The largest duration accepted, about 100 years: keeps `now - duration` far from overflow.
    public static let maximum = FilterDuration(microseconds: 100 * 366 * 86_400 * 1_000_000)

    private static let units: [(suffix: String, microseconds: Int64)] = [
        ("w", 7 * 86_400 * 1_000_000), ("d", 86_400 * 1_000_000), ("h", 3_600 * 1_000_000),
        ("m", 60 * 1_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1),
    ]

    /// Parses one or more `<digits><unit>` pairs (units `w d h m s ms us`, case-sensitive).
    /// - Returns: `nil` for anything else, or for more than `maximum`.
    public static func parse(_ text: some StringProtocol) -> FilterDuration? {
        let bytes = Array(text.utf8)
        var i = 0
        var total: Int64 = 0
        guard !bytes.isEmpty else { return nil }
        while i < bytes.count {
            var count: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                guard i - start < 12 else { return nil }
                count = count * 10 + Int64(bytes[i] - 0x30)
                i += 1
            }
            guard i > start, i < bytes.count else { return nil }
            let unitStart = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "a"), bytes[i] <= UInt8(ascii: "z") { i += 1 }
            let suffix = String(decoding: bytes[unitStart..<i], as: UTF8.self)
            guard let unit = units.first(where: { $0.suffix == suffix })?.microseconds else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: unit)
            guard !overflow, product <= maximum.microseconds - total else { return nil }
            total += product
        }
        return FilterDuration(microseconds: total)
    }

    /// The shortest text in the largest whole units: `90m` prints as `1h30m`.
    public var description: String {
        guard microseconds > 0 else { return "0s" }
        var rest = microseconds
        var out = ""
        for (suffix, size) in FilterDuration.units where rest >= size {
            out += "\(rest / size)\(suffix)"
            rest %= size
        }
        return out
    }
}
