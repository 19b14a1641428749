/// An instant in UTC with microsecond precision, counted from the Unix epoch.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(seconds: Double) { self.microseconds = Int64((seconds * 1_000_000).rounded()) }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    public func adding(microseconds delta: Int64) -> Timestamp { Timestamp(microseconds: microseconds + delta) }

    /// RFC 3339 in UTC with six fractional digits: `2026-11-22T05:03:26.123456Z`.
    public var description: String { rfc3339 }

    public var rfc3339: String {
        var out = [UInt8]()
        out.reserveCapacity(27)
        appendRFC3339(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `2026-11-22T05:03:26.123456Z` to `out` without building intermediate strings
    /// (the canonical encoding writes two of these per event).
    public func appendRFC3339(to out: inout [UInt8]) {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let count = writeRFC3339(to: base)
            if count > 0 {
                out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
            } else {
                // A year outside 0...9999 (only a damaged or hostile value gets here).
                let civil = CivilDate(daysSinceEpoch: floorDivide(microseconds, 86_400_000_000))
                out.append(contentsOf: String(civil.year).utf8)
                writeAfterYear(civil, to: base)
                out.append(contentsOf: UnsafeBufferPointer(start: base, count: 23))
            }
        }
    }

    /// Writes the RFC 3339 form at `out`, which must have room for 27 bytes, and returns 27; or 0
    /// (writing nothing) when the year is outside 0...9999.
    public func writeRFC3339(to out: UnsafeMutablePointer<UInt8>) -> Int {
        let civil = CivilDate(daysSinceEpoch: floorDivide(microseconds, 86_400_000_000))
        guard civil.year >= 0, civil.year <= 9999 else { return 0 }
        Timestamp.digits(civil.year, 4, at: out)
        writeAfterYear(civil, to: out + 4)
        return 27
    }

    /// `-MM-DDTHH:MM:SS.ffffffZ`: 23 bytes; `civil` is this instant's date.
    private func writeAfterYear(_ civil: CivilDate, to out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(ascii: "-")
        Timestamp.digits(civil.month, 2, at: out + 1)
        out[3] = UInt8(ascii: "-")
        Timestamp.digits(civil.day, 2, at: out + 4)
        writeTimeOfDay(to: out + 6)
    }

    /// `THH:MM:SS.ffffffZ`, the 17 bytes of the RFC 3339 form after the date, at `out`.
    func writeTimeOfDay(to out: UnsafeMutablePointer<UInt8>) {
        let micros = floorModulo(microseconds, 1_000_000)
        let secondOfDay = floorModulo(floorDivide(microseconds, 1_000_000), 86_400)
        out[0] = UInt8(ascii: "T")
        Timestamp.digits(secondOfDay / 3600, 2, at: out + 1)
        out[3] = UInt8(ascii: ":")
        Timestamp.digits(secondOfDay / 60 % 60, 2, at: out + 4)
        out[6] = UInt8(ascii: ":")
        Timestamp.digits(secondOfDay % 60, 2, at: out + 7)
        out[9] = UInt8(ascii: ".")
        Timestamp.digits(micros, 6, at: out + 10)
        out[16] = UInt8(ascii: "Z")
    }

    /// `value` as exactly `width` decimal digits (its lowest ones), zero-padded.
    @inline(__always) private static func digits(_ value: Int64, _ width: Int, at out: UnsafeMutablePointer<UInt8>) {
        var v = value
        var i = width
        while i > 0 {
            i -= 1
            out[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
        }
    }

    /// Builds an instant from calendar fields read in a zone `offsetSeconds` east of UTC.
    public init?(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        microsecond: Int = 0, offsetSeconds: Int = 0
    ) {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second), day <= CivilDate.daysIn(month: month, year: year)
        else { return nil }
        let days = CivilDate(year: Int64(year), month: Int64(month), day: Int64(day)).daysSinceEpoch
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetSeconds)
        self.microseconds = secs * 1_000_000 + Int64(microsecond)
    }

    /// Parses exactly the form `rfc3339` writes, `2026-11-22T10:00:01.000000Z`, without a copy.
    public init?(canonicalUTF8 bytes: UnsafeRawBufferPointer) {
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<start + count {
                let digit = bytes[i] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        func separator(_ offset: Int, _ c: Unicode.Scalar) -> Bool { bytes[offset] == UInt8(ascii: c) }
        guard bytes.count == 27, separator(4, "-"), separator(7, "-"), separator(10, "T"), separator(13, ":"),
            separator(16, ":"), separator(19, "."), separator(26, "Z"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let micros = number(20, 6)
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: micros)
    }

    /// Parses RFC 3339 / ISO 8601 date-times: `2003-10-11T22:14:15.003Z`, `...+02:00`, a space instead of
    /// `T`, any number of fractional digits (kept to microseconds). Without a zone, `defaultOffset` applies.
    public static func parse(_ text: Substring, defaultOffset: Int? = 0) -> Timestamp? {
        var scanner = DigitScanner(Array(text.utf8))
        return scanner.parseDateTime(defaultOffset: defaultOffset, requireEnd: true)
    }

    public static func parse(_ text: String, defaultOffset: Int? = 0) -> Timestamp? {
        parse(Substring(text), defaultOffset: defaultOffset)
    }
}

/// A proleptic Gregorian date (H. Hinnant's days-from-civil algorithms).
public struct CivilDate: Sendable, Hashable {
    public var year: Int64
    public var month: Int64
    public var day: Int64

    public init(year: Int64, month: Int64, day: Int64) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init(daysSinceEpoch z0: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public var daysSinceEpoch: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Reads fixed-width numbers out of ASCII bytes; used by the timestamp parsers.
public struct DigitScanner {
    public let bytes: [UInt8]
    public var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var atEnd: Bool { index >= bytes.count }
    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    public mutating func digits(_ count: Int) -> Int? {
        guard bytes.count - index >= count else { return nil }
        var value = 0
        for i in 0..<count {
            let b = bytes[index + i]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        index += count
        return value
    }

    public mutating func expect(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// `YYYY-MM-DD[T ]hh:mm:ss[.f+][Z|±hh:mm|±hhmm]`
    public mutating func parseDateTime(defaultOffset: Int?, requireEnd: Bool) -> Timestamp? {
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2)
        else { return nil }
        guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: "t")) || expect(UInt8(ascii: " ")) else { return nil }
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2)
        else { return nil }
        var micros = 0
        if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
            var place = 100_000
            var any = false
            while let b = peek, b >= 0x30 && b <= 0x39 {
                micros += Int(b - 0x30) * place
                place /= 10
                index += 1
                any = true
            }
            guard any else { return nil }
        }
        var offset: Int
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            offset = 0
        } else if let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            index += 1
            guard let oh = digits(2), oh <= 23 else { return nil }
            _ = expect(UInt8(ascii: ":"))
            guard let om = digits(2), om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else if let defaultOffset {
            offset = defaultOffset
        } else {
            return nil
        }
        if requireEnd && !atEnd { return nil }
        return Timestamp(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            microsecond: micros, offsetSeconds: offset)
    }
}

