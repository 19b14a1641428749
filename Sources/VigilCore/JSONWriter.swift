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
        JSONWriter.withDecimalDigits(value) { bytes.append(contentsOf: $0) }
    }

    /// Calls `body` with `value` in decimal (at most 20 bytes).
    @inline(__always) static func withDecimalDigits(_ value: Int64, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for a sign and 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                count += 1
                buffer[24 - count] = UInt8(ascii: "-")
            }
            body(UnsafeBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    public mutating func write(_ value: Double) {
        bytes.append(contentsOf: JSONWriter.format(value).utf8)
    }

    /// Shortest text that reads back as the same `Double`; non-finite values become `null`.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if let integral = integral(value) { return String(integral) }
        return value.description
    }

    /// `value` as an integer when it is written as one: whole, and below 10^15 in magnitude.
    @inline(__always) static func integral(_ value: Double) -> Int64? {
        value.rounded() == value && abs(value) < 1e15 ? Int64(value) : nil
    }

    public mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { write(utf8: $0) }
    }

    /// A JSON string of UTF-8 bytes (escaped like `write(_: String)`).
    public mutating func write(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        if let base = utf8.baseAddress {
            JSONWriter.forEachRun(base, utf8.count) { start, n in
                bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: n))
            } escape: { byte in
                JSONWriter.forEachEscapeByte(byte) { bytes.append($0) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Splits `n` bytes of UTF-8 into the stretches that go into a JSON string as they are (`run`,
    /// never empty) and the bytes that need an escape (`escape`), in order.
    @inline(__always) static func forEachRun(
        _ utf8: UnsafePointer<UInt8>, _ n: Int, run: (UnsafePointer<UInt8>, Int) -> Void, escape: (UInt8) -> Void
    ) {
        var runStart = 0
        var i = 0
        while i < n {
            // Eight bytes at a time while none can need an escape (the common case).
            if i + 8 <= n, !JSONWriter.mayNeedEscape(UnsafeRawPointer(utf8 + i).loadUnaligned(as: UInt64.self)) {
                i += 8
                continue
            }
            let end = min(i + 8, n)
            while i < end {
                let byte = utf8[i]
                i += 1
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < i - 1 { run(utf8 + runStart, i - 1 - runStart) }
                runStart = i
                escape(byte)
            }
        }
        if runStart < n { run(utf8 + runStart, n - runStart) }
    }

    /// The escape sequence of a byte that needs one (at most six bytes), one byte at a time.
    @inline(__always) static func forEachEscapeByte(_ byte: UInt8, _ put: (UInt8) -> Void) {
        put(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: put(0x22)
        case 0x5C: put(0x5C)
        case 0x0A: put(UInt8(ascii: "n"))
        case 0x0D: put(UInt8(ascii: "r"))
        case 0x09: put(UInt8(ascii: "t"))
        case 0x08: put(UInt8(ascii: "b"))
        case 0x0C: put(UInt8(ascii: "f"))
        default:
            put(UInt8(ascii: "u"))
            put(0x30)
            put(0x30)
            put(JSONWriter.hexDigit(byte >> 4))
            put(JSONWriter.hexDigit(byte & 0xF))
        }
    }

    /// The lowercase hex digit of a value in `0..<16`.
    @inlinable @inline(__always) public static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 - 10 + nibble
    }

    /// False when none of the eight bytes is a control character, `"` or `\\`.
    @inline(__always) static func mayNeedEscape(_ word: UInt64) -> Bool { escapeMask(word) != 0 }

    /// The high bit of every byte of `word` (little-endian: the first byte lowest) that is a
    /// control character, `"` or `\\`. A borrow can flag a byte above a real match too, never one
    /// below it: the lowest flagged byte is always a real one.
    @inline(__always) static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word
        let q = word ^ (ones &* 0x22)
        let b = word ^ (ones &* 0x5C)
        return (control | ((q &- ones) & ~q) | ((b &- ones) & ~b)) & high
    }
}
