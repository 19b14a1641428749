/// Appends compact JSON to a byte buffer. Objects are written with sorted keys, so the same
/// value always gives the same bytes (the hash chain depends on it).
public struct JSONWriter: Sendable {
    public var bytes: [UInt8] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    @inline(__always) public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): write(i)
        case .double(let d): write(d)
        case .string(let s): write(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members): write(object: members)
        }
    }

    /// An object with its keys sorted.
    public mutating func write(object members: [String: JSONValue]) {
        bytes.append(UInt8(ascii: "{"))
        if members.count == 1, let (key, value) = members.first {
            write(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        } else {
            for (i, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func write(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    public mutating func write(_ value: Double) {
        bytes.append(contentsOf: JSONWriter.format(value).utf8)
    }

    /// Shortest text that reads back as the same `Double`; non-finite values become `null`.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { write(utf8: $0) }
    }

    /// A JSON string of UTF-8 bytes (escaped like `write(_: String)`).
    public mutating func write(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        let n = utf8.count
        var runStart = 0
        var i = 0
        while i < n {
            // Eight bytes at a time while none can need an escape (the common case).
            if i + 8 <= n, let base = utf8.baseAddress,
                !JSONWriter.mayNeedEscape(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            {
                i += 8
                continue
            }
            let end = min(i + 8, n)
            while i < end {
                let byte = utf8[i]
                i += 1
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < i - 1 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i - 1])) }
                runStart = i
                escape(byte)
            }
        }
        if runStart < n { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: bytes.append(0x22)
        case 0x5C: bytes.append(0x5C)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, JSONWriter.hex[Int(byte >> 4)], JSONWriter.hex[Int(byte & 0xF)]])
        }
    }

    /// False when none of the eight bytes is a control character, `"` or `\\`. (A borrow can make
    /// a byte after a real match look like one too, never hide one.)
    @inline(__always) static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word
        let q = word ^ (ones &* 0x22)
        let b = word ^ (ones &* 0x5C)
        return (control | ((q &- ones) & ~q) | ((b &- ones) & ~b)) & high != 0
    }
}
