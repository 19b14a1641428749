/// A number in a filter. Integers stay exact so they compare exactly with 64-bit fields.
public enum FilterNumber: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case double(Double)

    /// Parses `-?digits(.digits)?([eE][+-]?digits)?`; an integer without fraction or exponent that fits
    /// 64 bits is `.int`. Hex, `inf`, `nan`, `+1`, `.5`, `5.` and non-finite results are refused.
    public static func parse(_ text: some StringProtocol) -> FilterNumber? {
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { return nil }
        var isIntegral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            isIntegral = false
            guard digits() > 0 else { return nil }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            isIntegral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        guard i == bytes.count else { return nil }
        let string = String(text)
        if isIntegral, let value = Int64(string) { return .int(value) }
        guard let value = Double(string), value.isFinite else { return nil }
        return .double(value)
    }

    /// Orders `value` against this number exactly: negative when `value` is smaller.
    @inline(__always) public func order(of value: Int64) -> Int {
        switch self {
        case .int(let n): return value < n ? -1 : (value > n ? 1 : 0)
        case .double(let d): return -FilterNumber.order(of: d, against: value)
        }
    }

    /// Orders `value` against this number exactly: negative when `value` is smaller.
    @inline(__always) public func order(of value: Double) -> Int {
        switch self {
        case .int(let n): return FilterNumber.order(of: value, against: n)
        case .double(let d): return value < d ? -1 : (value > d ? 1 : 0)
        }
    }

    /// Exact order of a double against an integer (as SQLite compares REAL with INTEGER).
    static func order(of d: Double, against n: Int64) -> Int {
        if d >= 9_223_372_036_854_775_808.0 { return 1 }
        if d < -9_223_372_036_854_775_808.0 { return -1 }
        let floor = d.rounded(.down)
        let whole = Int64(floor)
        if whole < n { return -1 }
        if whole > n { return 1 }
        return d > floor ? 1 : 0
    }

    public var description: String {
        switch self {
        case .int(let n): return String(n)
        case .double(let d): return "\(d)"
        }
    }
}
