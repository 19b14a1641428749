import VigilCore

/// RFC 5424 section 6, read strictly per the ABNF with go-syslog's limits.
extension SyslogHeaderParser {
    /// Reads everything after `<PRI>`. On the first violation sets `error` and keeps the fields read so far.
    static func parseRFC5424(_ scanner: inout HeaderScanner, into message: inout SyslogMessage) {
        message.format = .rfc5424
        func fail(_ reason: String) {
            message = failed(message, reason, at: scanner.index, scanner)
        }

        // VERSION = NONZERO-DIGIT 0*2DIGIT
        let versionDigits = scanner.digitRun(at: scanner.index)
        guard versionDigits > 0, scanner.peek != UInt8(ascii: "0") else {
            return fail("expected a VERSION in the range 1-999")
        }
        var version = 0
        for i in 0..<min(versionDigits, 3) { version = version * 10 + Int(scanner.bytes[scanner.index + i] - 0x30) }
        message.version = version
        guard versionDigits <= 3 else {
            scanner.index += 3
            return fail("expected a VERSION in the range 1-999")
        }
        scanner.index += versionDigits
        guard scanner.expect(.space) else { return fail("expected a space after VERSION") }

        // TIMESTAMP = NILVALUE / FULL-DATE "T" FULL-TIME
        let timeEnd = scanner.tokenEnd()
        if scanner.peek == UInt8(ascii: "-") && timeEnd == scanner.index + 1 {
            scanner.index = timeEnd
        } else {
            guard let timestamp = RFC5424Timestamp.parse(scanner.bytes, scanner.index..<timeEnd) else {
                return fail("expected an RFC 3339 TIMESTAMP (at most 6 fractional digits) or '-'")
            }
            message.timestamp = timestamp
            scanner.index = timeEnd
        }

        let limits: [(String, Int)] = [("HOSTNAME", 255), ("APP-NAME", 48), ("PROCID", 128), ("MSGID", 32)]
        for (name, maximum) in limits {
            switch readHeaderField(&scanner, maximum: maximum, name: name) {
            case .failure(let reason):
                return fail(reason)
            case .value(let value):
                switch name {
                case "HOSTNAME": message.hostname = value
                case "APP-NAME": message.appName = value
                case "PROCID": message.procID = value
                default: message.msgID = value
                }
            }
        }

        // STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
        guard scanner.expect(.space) else { return fail("expected a space before STRUCTURED-DATA") }
        if scanner.expect(UInt8(ascii: "-")) {
            // NILVALUE
        } else if scanner.peek == UInt8(ascii: "[") {
            var reader = StructuredDataReader()
            let ok = reader.read(&scanner)
            message.structuredData = reader.elements
            if !ok { return fail(reader.failure ?? "invalid STRUCTURED-DATA") }
        } else {
            return fail("expected STRUCTURED-DATA ('[' or '-')")
        }

        // [SP MSG]; MSG-UTF8 starts with a BOM, which is not part of the text.
        if scanner.atEnd { return }
        guard scanner.expect(.space) else { return fail("expected a space before MSG") }
        if scanner.peek == 0xEF && scanner.byte(at: scanner.index + 1) == 0xBB && scanner.byte(at: scanner.index + 2) == 0xBF {
            scanner.index += 3
        }
        message.message = scanner.text(scanner.index..<scanner.bytes.count)
    }

    enum FieldRead {
        case value(String?)
        case failure(String)
    }

    /// `SP (NILVALUE / 1*maximum PRINTUSASCII)`; `.value(nil)` for `-`.
    private static func readHeaderField(_ scanner: inout HeaderScanner, maximum: Int, name: String) -> FieldRead {
        guard scanner.expect(.space) else { return .failure("expected a space before \(name)") }
        let start = scanner.index
        while let b = scanner.peek, b.isPrintUSASCII { scanner.index += 1 }
        let length = scanner.index - start
        guard length > 0, length <= maximum, scanner.atEnd || scanner.peek == .space else {
            if length > maximum { scanner.index = start + maximum }
            return .failure("expected a \(name) of 1 to \(maximum) printable US-ASCII characters or '-'")
        }
        if length == 1 && scanner.bytes[start] == UInt8(ascii: "-") { return .value(nil) }
        return .value(scanner.text(start..<scanner.index))
    }
}

/// The RFC 5424 TIMESTAMP (section 6.2.3): `YYYY-MM-DDThh:mm:ss[.1*6DIGIT](Z|(+|-)hh:mm)`.
enum RFC5424Timestamp {
    static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> Timestamp? {
        guard range.count >= 20, range.upperBound <= bytes.count else { return nil }
        var s = DigitScanner(bytes)
        s.index = range.lowerBound
        guard let year = s.digits(4), s.expect(UInt8(ascii: "-")), let month = s.digits(2),
            s.expect(UInt8(ascii: "-")), let day = s.digits(2), s.expect(UInt8(ascii: "T")),
            let hour = s.digits(2), s.expect(UInt8(ascii: ":")), let minute = s.digits(2),
            s.expect(UInt8(ascii: ":")), let second = s.digits(2)
        else { return nil }
        var microsecond = 0
        if s.expect(UInt8(ascii: ".")) {
            var place = 100_000
            var count = 0
            while s.index < range.upperBound, let b = s.peek, b.isDigit {
                microsecond += Int(b - 0x30) * place
                place /= 10
                count += 1
                s.index += 1
            }
            guard (1...6).contains(count) else { return nil }
        }
        var offset = 0
        if !s.expect(UInt8(ascii: "Z")) {
            guard let sign = s.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            s.index += 1
            guard let oh = s.digits(2), s.expect(UInt8(ascii: ":")), let om = s.digits(2), oh <= 23, om <= 59 else {
                return nil
            }
            offset = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard s.index == range.upperBound, hour <= 23, minute <= 59, second <= 59 else { return nil }
        return Timestamp(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            microsecond: microsecond, offsetSeconds: offset)
    }
}
