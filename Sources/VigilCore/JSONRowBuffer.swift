/// A growable byte buffer written through a raw pointer, for JSON rebuilt from a table row many
/// times over (verify, archive, export): room is reserved once per value instead of checked on
/// every append, which is what `JSONWriter`'s array pays for. Writes the same bytes as
/// `JSONWriter` for the same values. Owns its memory: call `deallocate()` when done.
public struct JSONRowBuffer {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    public var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    public func deallocate() { base.deallocate() }

    /// The bytes written so far; valid until the next write.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public mutating func removeAll() { count = 0 }

    /// Makes room for `n` more bytes: the `put` calls that follow write without checking.
    @inlinable @inline(__always) public mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    @usableFromInline mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.initialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// Unchecked: after `reserve`.
    @inlinable @inline(__always) public mutating func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Unchecked: after `reserve`.
    @inlinable @inline(__always) public mutating func put(_ start: UnsafePointer<UInt8>, _ n: Int) {
        (base + count).initialize(from: start, count: n)
        count += n
    }

    /// Unchecked: after `reserve`.
    @inlinable @inline(__always) public mutating func put(_ text: StaticString) {
        put(text.utf8Start, text.utf8CodeUnitCount)
    }

    /// Checked.
    @inlinable public mutating func append(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        put(text)
    }

    /// Checked: `bytes` as they are.
    public mutating func append(_ start: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        put(start, n)
    }

    /// Checked: `text`, then `utf8` as a JSON string, escaped like `JSONWriter.write(utf8:)`.
    /// Eight bytes at a time go across with one load and one store while none needs an escape;
    /// a word that may hold one goes byte by byte.
    public mutating func appendString(prefix text: StaticString, _ utf8: UnsafePointer<UInt8>, _ n: Int) {
        reserve(text.utf8CodeUnitCount + 6 * n + 2)
        put(text)
        var out = base + count
        out.pointee = UInt8(ascii: "\"")
        out += 1
        var i = 0
        while i + 8 <= n {
            let word = UnsafeRawPointer(utf8 + i).loadUnaligned(as: UInt64.self)
            if !JSONWriter.mayNeedEscape(word) {
                UnsafeMutableRawPointer(out).storeBytes(of: word, as: UInt64.self)
                out += 8
                i += 8
                continue
            }
            for k in i..<(i + 8) { out = JSONRowBuffer.put(escaping: utf8[k], at: out) }
            i += 8
        }
        while i < n {
            out = JSONRowBuffer.put(escaping: utf8[i], at: out)
            i += 1
        }
        out.pointee = UInt8(ascii: "\"")
        count = out + 1 - base
    }

    /// `byte` at `out`, or its escape sequence when it needs one; returns the byte after it.
    @inline(__always) static func put(escaping byte: UInt8, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        guard byte < 0x20 || byte == 0x22 || byte == 0x5C else {
            out.pointee = byte
            return out + 1
        }
        var next = out
        JSONWriter.forEachEscapeByte(byte) {
            next.pointee = $0
            next += 1
        }
        return next
    }

    /// Checked: `text`, then `value` in decimal.
    public mutating func appendInt(prefix text: StaticString, _ value: Int64) {
        reserve(text.utf8CodeUnitCount + 20)
        put(text)
        JSONWriter.withDecimalDigits(value) { put($0.baseAddress!, $0.count) }
    }

    /// Checked: `text`, then `value` as `JSONWriter.write(_: Double)` writes it.
    public mutating func appendDouble(prefix text: StaticString, _ value: Double) {
        if value.rounded() == value && abs(value) < 1e15 {
            appendInt(prefix: text, Int64(value))
            return
        }
        var formatted = JSONWriter.format(value)
        formatted.withUTF8 { utf8 in
            reserve(text.utf8CodeUnitCount + utf8.count)
            put(text)
            put(utf8.baseAddress!, utf8.count)
        }
    }

    /// Checked: `text`, then `"2026-11-22T05:03:26.123456Z"`.
    public mutating func appendTime(prefix text: StaticString, _ time: Timestamp) {
        reserve(text.utf8CodeUnitCount + 29)
        put(text)
        put(UInt8(ascii: "\""))
        let written = time.writeRFC3339(to: base + count)
        if written > 0 {
            count += written
        } else {
            var out: [UInt8] = []
            time.appendRFC3339(to: &out)
            out.withUnsafeBufferPointer { append($0.baseAddress!, $0.count) }
            reserve(1)
        }
        put(UInt8(ascii: "\""))
    }
}
