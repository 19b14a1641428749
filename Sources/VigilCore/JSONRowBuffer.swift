/// A growable byte buffer written through a raw pointer, for JSON rebuilt from a table row many
/// times over (verify, archive, export): room is reserved once per value instead of checked on
/// every append, which is what `JSONWriter`'s array pays for. Writes the same bytes as
/// `JSONWriter` for the same values. Owns its memory: call `deallocate()` when done.
public struct JSONRowBuffer {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    public var count = 0
    /// The day (since the epoch) whose `YYYY-MM-DD` `appendTime` wrote last, and those 10 bytes:
    /// an event's two times, and the next event's, mostly fall on the same day.
    private var cachedDay = Int64.min
    private var cachedDate: (UInt64, UInt64) = (0, 0)

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

    /// Unchecked: after `reserve`. Lets `body` write exactly `n` bytes at the end.
    @inline(__always) mutating func withUnwritten(_ n: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        body(UnsafeMutableRawBufferPointer(start: base + count, count: n))
        count += n
    }

    /// Checked: one byte.
    @inlinable @inline(__always) public mutating func append(_ byte: UInt8) {
        reserve(1)
        put(byte)
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
    /// Eight bytes at a time go across with one load and one store; where one of them needs an
    /// escape, the bytes before it stay, the escape follows, and the next word starts after it.
    public mutating func appendString(prefix text: StaticString, _ utf8: UnsafePointer<UInt8>, _ n: Int) {
        // Room for the worst case, plus the spare bytes of the last word's store.
        reserve(text.utf8CodeUnitCount + 6 * n + 10)
        put(text)
        var out = base + count
        out.pointee = UInt8(ascii: "\"")
        out += 1
        var i = 0
        while i < n {
            let length = min(8, n - i)
            let word: UInt64
            if length == 8 {
                word = UnsafeRawPointer(utf8 + i).loadUnaligned(as: UInt64.self)
            } else {
                // The last bytes, topped up with spaces (which need no escape): from the string's
                // last eight when it has eight, else one by one.
                let spaces: UInt64 = 0x2020_2020_2020_2020
                let shift = UInt64(8 * (8 - length))
                if n >= 8 {
                    word = UnsafeRawPointer(utf8 + n - 8).loadUnaligned(as: UInt64.self) >> shift | spaces << (64 - shift)
                } else {
                    var bytes: UInt64 = 0
                    for k in 0..<length { bytes |= UInt64(utf8[i + k]) << UInt64(8 * k) }
                    word = bytes | spaces << (64 - shift)
                }
            }
            UnsafeMutableRawPointer(out).storeBytes(of: word, as: UInt64.self)
            let mask = JSONWriter.escapeMask(word)
            if mask == 0 {
                out += length
                i += length
                continue
            }
            let first = mask.trailingZeroBitCount >> 3
            out += first
            let byte = utf8[i + first]
            if byte == 0x22 || byte == 0x5C {  // the common ones, without the switch's indirect jump
                out[0] = 0x5C
                out[1] = byte
                out += 2
            } else {
                JSONWriter.forEachEscapeByte(byte) {
                    out.pointee = $0
                    out += 1
                }
            }
            i += first + 1
        }
        out.pointee = UInt8(ascii: "\"")
        count = out + 1 - base
    }

    /// Checked: `text`, then `value` as a JSON string, escaped like `JSONWriter.write(_: String)`.
    @inline(__always) public mutating func appendString(prefix text: StaticString, _ value: String) {
        let done: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            appendString(prefix: text, utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!, utf8.count)
        }
        if done == nil {
            var copy = value
            copy.withUTF8 { appendString(prefix: text, $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        }
    }

    /// Checked: `value` as `JSONWriter.write(_: JSONValue)` writes it (object keys sorted).
    public mutating func appendJSON(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): b ? append("true") : append("false")
        case .int(let i): appendInt(prefix: "", i)
        case .double(let d): appendDouble(prefix: "", d)
        case .string(let s): appendString(prefix: "", s)
        case .array(let elements):
            append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                appendJSON(element)
            }
            append(UInt8(ascii: "]"))
        case .object(let members): appendJSON(object: members)
        }
    }

    /// Checked: an object with its keys sorted, as `JSONWriter.write(object:)` writes it. The
    /// members' order is found on the stack for small objects (an event's envelope, its peer):
    /// no array of sorted members is allocated.
    public mutating func appendJSON(object members: [String: JSONValue]) {
        append(UInt8(ascii: "{"))
        let n = members.count
        if n == 1, let (key, value) = members.first {
            appendString(prefix: "", key)
            append(UInt8(ascii: ":"))
            appendJSON(value)
        } else if n > 1 {
            withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: n) { order in
                order.initialize(repeating: members.startIndex)
                defer { order.deinitialize() }
                // Insertion sort by key: objects here hold a handful of members.
                var filled = 0
                var index = members.startIndex
                while index != members.endIndex {
                    let key = members[index].key
                    var k = filled
                    while k > 0 && key < members[order[k - 1]].key {
                        order[k] = order[k - 1]
                        k -= 1
                    }
                    order[k] = index
                    filled += 1
                    members.formIndex(after: &index)
                }
                for k in 0..<filled {
                    if k > 0 { append(UInt8(ascii: ",")) }
                    let member = members[order[k]]
                    appendString(prefix: "", member.key)
                    append(UInt8(ascii: ":"))
                    appendJSON(member.value)
                }
            }
        }
        append(UInt8(ascii: "}"))
    }

    /// Checked: `text`, then `value` in decimal.
    public mutating func appendInt(prefix text: StaticString, _ value: Int64) {
        reserve(text.utf8CodeUnitCount + 20)
        put(text)
        JSONWriter.withDecimalDigits(value) { put($0.baseAddress!, $0.count) }
    }

    /// Checked: `text`, then `value` as `JSONWriter.write(_: Double)` writes it.
    public mutating func appendDouble(prefix text: StaticString, _ value: Double) {
        if let integral = JSONWriter.integral(value) {
            appendInt(prefix: text, integral)
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
        let day = floorDivide(time.microseconds, 86_400_000_000)
        let out = base + count
        if day == cachedDay {
            withUnsafeBytes(of: cachedDate) { out.initialize(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 10) }
            time.writeTimeOfDay(to: out + 10)
            count += 27
        } else if time.writeRFC3339(to: out) > 0 {
            withUnsafeMutableBytes(of: &cachedDate) { $0.baseAddress!.copyMemory(from: out, byteCount: 10) }
            cachedDay = day
            count += 27
        } else {
            var long: [UInt8] = []
            time.appendRFC3339(to: &long)
            long.withUnsafeBufferPointer { append($0.baseAddress!, $0.count) }
            reserve(1)
        }
        put(UInt8(ascii: "\""))
    }
}
