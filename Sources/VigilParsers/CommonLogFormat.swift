import Foundation
import VigilCore

/// Byte-level reader for the Common/Combined Log Format and the variants nginx and Apache write.
///
/// ```
/// [vhost[:port]] ["xff, xff"] client[, client] ident user [dd/Mon/yyyy:hh:mm:ss +zzzz] "request" status bytes
///     ["referrer" "user agent" ["x-forwarded-for"] [anything else]]
/// [dd/Mon/yyyy:hh:mm:ss +zzzz] client tls_protocol tls_cipher "request" bytes        (mod_ssl ssl_request_log)
/// ```
///
/// Fields are split on bytes, no regular expressions; values stay as logged (`-` means none).
enum CommonLogFormat {
    /// - Throws: ``ParseError`` (attributed to `parser`) naming what is missing and where.
    static func parse(_ b: [UInt8], zone: TimeZone, parser: String) throws(ParseError) -> AccessLogLine {
        var line = AccessLogLine()
        var i: Int
        if b.count > 1 && b[0] == UInt8(ascii: "[") && isDigit(b[1]) {
            i = try readTime(b, at: 0, zone: zone, parser: parser, into: &line)
            try readSSLPrefix(b, &i, parser: parser, into: &line)
        } else {
            guard let bracket = timeBracket(b) else {
                throw ParseError(parser: parser, reason: "no [dd/Mon/yyyy:hh:mm:ss zone] access-log time found", offset: 0)
            }
            try readClientPrefix(b, upTo: bracket, parser: parser, into: &line)
            i = try readTime(b, at: bracket, zone: zone, parser: parser, into: &line)
        }
        skipSpaces(b, &i)
        guard let request = quoted(b, &i) else {
            throw ParseError(parser: parser, reason: "expected a quoted request line after the time", offset: i)
        }
        line.request = text(b, request)
        skipSpaces(b, &i)
        if line.attrs["tls_protocol"] == nil {
            let status = token(b, &i)
            if let code = number(b, status), code < 1000 {
                line.status = Int(code)
            } else if !isDash(b, status) {
                throw ParseError(parser: parser, reason: "expected a status code after the request", offset: status.lowerBound)
            }
            skipSpaces(b, &i)
        }
        let size = token(b, &i)
        if !size.isEmpty {
            if let value = number(b, size) {
                line.bytes = value
            } else if !isDash(b, size) {
                throw ParseError(parser: parser, reason: "expected a byte count after the status", offset: size.lowerBound)
            }
        }
        try readRest(b, &i, parser: parser, into: &line)
        return line
    }

    // MARK: - Parts

    /// `[vhost[:port]] ["xff"] client[, client] ident user ` before the time bracket at `end`.
    private static func readClientPrefix(
        _ b: [UInt8], upTo end: Int, parser: String, into line: inout AccessLogLine
    ) throws(ParseError) {
        var tokens: [(range: Range<Int>, isQuoted: Bool)] = []
        var i = 0
        while i < end {
            skipSpaces(b, &i)
            guard i < end else { break }
            if b[i] == UInt8(ascii: "\"") {
                var close = i + 1
                while close < end && b[close] != UInt8(ascii: "\"") { close += 1 }
                guard close < end else {
                    throw ParseError(parser: parser, reason: "unterminated quote before the time", offset: i)
                }
                tokens.append((i + 1..<close, true))
                i = close + 1
            } else {
                let start = i
                while i < end && b[i] != UInt8(ascii: " ") { i += 1 }
                tokens.append((start..<i, false))
            }
        }
        guard tokens.count >= 3 else {
            throw ParseError(parser: parser, reason: "expected client, ident and user before the time", offset: 0)
        }
        line.ident = text(b, tokens[tokens.count - 2].range)
        line.user = text(b, tokens[tokens.count - 1].range)
        var first = 0
        let head = tokens[0]
        // vhost_combined (`%v:%p %h ...`): a leading host that is not an address and is not part of a list.
        if tokens.count > 3, !head.isQuoted, b[head.range.upperBound - 1] != UInt8(ascii: ",") {
            let name = text(b, head.range)
            if IPAddress.parse(name) == nil {
                var host = Substring(name)
                if let colon = name.lastIndex(of: ":"), name[name.index(after: colon)...].allSatisfy(\.isNumber),
                    !name[..<colon].contains(":") || name.hasPrefix("[")
                {
                    host = name[..<colon]
                    if let port = Int(name[name.index(after: colon)...]) { line.attrs["server_port"] = .int(Int64(port)) }
                }
                if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
                line.attrs["vhost"] = .string(String(host))
                first = 1
            }
        }
        for token in tokens[first..<(tokens.count - 2)] {
            line.clients.append(contentsOf: AccessLogLine.addressList(b[token.range]))
        }
    }

    /// mod_ssl's `client protocol cipher ` after the time.
    private static func readSSLPrefix(
        _ b: [UInt8], _ i: inout Int, parser: String, into line: inout AccessLogLine
    ) throws(ParseError) {
        var fields: [String] = []
        while fields.count < 3 {
            skipSpaces(b, &i)
            let field = token(b, &i)
            guard !field.isEmpty, b[field.lowerBound] != UInt8(ascii: "\"") else {
                throw ParseError(parser: parser, reason: "expected client, TLS protocol and cipher after the time", offset: i)
            }
            fields.append(text(b, field))
        }
        line.clients = [fields[0]]
        line.attrs["tls_protocol"] = .string(fields[1])
        line.attrs["tls_cipher"] = .string(fields[2])
    }

    /// `"referrer" "user agent"`, then a quoted forwarded-for list, then anything else into `attrs.extra`.
    private static func readRest(_ b: [UInt8], _ i: inout Int, parser: String, into line: inout AccessLogLine)
        throws(ParseError)
    {
        var quotedCount = 0
        while true {
            skipSpaces(b, &i)
            guard i < b.count, b[i] == UInt8(ascii: "\""), quotedCount < 3 else { break }
            let start = i
            guard let field = quoted(b, &i) else {
                throw ParseError(parser: parser, reason: "unterminated quoted field", offset: start)
            }
            switch quotedCount {
            case 0: line.referrer = text(b, field)
            case 1: line.userAgent = text(b, field)
            default:
                // nginx's `main` format ends with "$http_x_forwarded_for".
                let forwarded = AccessLogLine.addressList(b[field])
                if !forwarded.isEmpty && forwarded.allSatisfy({ IPAddress.parse($0) != nil }) {
                    line.clients = forwarded + line.clients
                } else if !isDash(b, field) && !field.isEmpty {
                    line.attrs["extra"] = .string(text(b, field))
                }
            }
            quotedCount += 1
        }
        if i < b.count {
            let rest = text(b, i..<b.count)
            if let existing = line.attrs["extra"]?.stringValue {
                line.attrs["extra"] = .string(existing + " " + rest)
            } else {
                line.attrs["extra"] = .string(rest)
            }
            i = b.count
        }
    }

    /// `[dd/Mon/yyyy:hh:mm:ss +zzzz]` at `start`; returns the index after `]`.
    private static func readTime(
        _ b: [UInt8], at start: Int, zone: TimeZone, parser: String, into line: inout AccessLogLine
    ) throws(ParseError) -> Int {
        guard let (time, end) = clfTime(b, at: start + 1, zone: zone), end < b.count, b[end] == UInt8(ascii: "]") else {
            throw ParseError(parser: parser, reason: "invalid access-log time", offset: start + 1)
        }
        line.time = time
        return end + 1
    }

    /// The index of the `[` that opens a `dd/Mon/yyyy:` time.
    private static func timeBracket(_ b: [UInt8]) -> Int? {
        var i = 0
        while i + 13 < b.count {
            if b[i] == UInt8(ascii: "["), isDigit(b[i + 1]), isDigit(b[i + 2]), b[i + 3] == UInt8(ascii: "/"),
                b[i + 7] == UInt8(ascii: "/"), b[i + 12] == UInt8(ascii: ":")
            {
                return i
            }
            i += 1
        }
        return nil
    }

    // MARK: - Times

    /// `dd/Mon/yyyy:hh:mm:ss[.fff][ ±hhmm]` at `start` (nginx `$time_local`, Apache `%t`, HAProxy's
    /// accept date). Without an offset the reading is local to `zone`. Returns the index after it.
    static func clfTime(_ b: [UInt8], at start: Int, zone: TimeZone) -> (Timestamp, Int)? {
        guard start + 20 <= b.count, b[start + 2] == UInt8(ascii: "/"), b[start + 6] == UInt8(ascii: "/"),
            b[start + 11] == UInt8(ascii: ":"), b[start + 14] == UInt8(ascii: ":"), b[start + 17] == UInt8(ascii: ":"),
            let day = digits(b, start, 2), let month = monthNumber(b, start + 3), let year = digits(b, start + 7, 4),
            let hour = digits(b, start + 12, 2), let minute = digits(b, start + 15, 2),
            let second = digits(b, start + 18, 2)
        else { return nil }
        var i = start + 20
        var micros = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            var place = 100_000
            while i < b.count && isDigit(b[i]) {
                micros += Int(b[i] - 0x30) * place
                place /= 10
                i += 1
            }
        }
        if i + 6 <= b.count, b[i] == UInt8(ascii: " "),
            b[i + 1] == UInt8(ascii: "+") || b[i + 1] == UInt8(ascii: "-"), let hh = digits(b, i + 2, 2),
            let mm = digits(b, i + 4, 2)
        {
            let offset = (hh * 3600 + mm * 60) * (b[i + 1] == UInt8(ascii: "-") ? -1 : 1)
            guard
                let time = Timestamp(
                    year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                    microsecond: micros, offsetSeconds: offset)
            else { return nil }
            return (time, i + 6)
        }
        guard
            let time = localInstant(
                zone: zone, year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                microsecond: micros)
        else { return nil }
        return (time, i)
    }

    /// A zone-less reading in `zone`; UTC skips the zone look-ups (the common route setting).
    static func localInstant(
        zone: TimeZone, year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int
    ) -> Timestamp? {
        if zone.identifier == "GMT" || zone.identifier == "UTC" {
            return Timestamp(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: microsecond)
        }
        return LocalTimeResolver(timeZone: zone).instant(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: microsecond)
    }

    /// `Jan` ... `Dec` (any case) at `i`.
    static func monthNumber(_ b: [UInt8], _ i: Int) -> Int? {
        guard i + 3 <= b.count else { return nil }
        let key = (UInt32(b[i] | 0x20) << 16) | (UInt32(b[i + 1] | 0x20) << 8) | UInt32(b[i + 2] | 0x20)
        switch key {
        case 0x6A_616E: return 1  // jan
        case 0x66_6562: return 2  // feb
        case 0x6D_6172: return 3  // mar
        case 0x61_7072: return 4  // apr
        case 0x6D_6179: return 5  // may
        case 0x6A_756E: return 6  // jun
        case 0x6A_756C: return 7  // jul
        case 0x61_7567: return 8  // aug
        case 0x73_6570: return 9  // sep
        case 0x6F_6374: return 10  // oct
        case 0x6E_6F76: return 11  // nov
        case 0x64_6563: return 12  // dec
        default: return nil
        }
    }

    // MARK: - Bytes

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func digits(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start >= 0, start + count <= b.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            guard isDigit(b[i]) else { return nil }
            value = value * 10 + Int(b[i] - 0x30)
        }
        return value
    }

    static func skipSpaces(_ b: [UInt8], _ i: inout Int) {
        while i < b.count && (b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t")) { i += 1 }
    }

    /// The run of non-blank bytes at `i`.
    static func token(_ b: [UInt8], _ i: inout Int) -> Range<Int> {
        let start = i
        while i < b.count && b[i] != UInt8(ascii: " ") && b[i] != UInt8(ascii: "\t") { i += 1 }
        return start..<i
    }

    /// The inside of a `"..."` field at `i`. The closing quote is the first one not escaped by a
    /// backslash (Apache writes `\"`) that ends the field (a blank or the end follows).
    static func quoted(_ b: [UInt8], _ i: inout Int) -> Range<Int>? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var j = start
        var fallback: Int?
        while j < b.count {
            if b[j] == UInt8(ascii: "\"") {
                var backslashes = 0
                var k = j - 1
                while k >= start && b[k] == UInt8(ascii: "\\") {
                    backslashes += 1
                    k -= 1
                }
                if backslashes % 2 == 0 {
                    if j + 1 == b.count || b[j + 1] == UInt8(ascii: " ") || b[j + 1] == UInt8(ascii: "\t") {
                        i = j + 1
                        return start..<j
                    }
                    if fallback == nil { fallback = j }
                }
            }
            j += 1
        }
        guard let fallback else { return nil }
        i = fallback + 1
        return start..<fallback
    }

    /// A non-negative decimal number filling `range`.
    static func number(_ b: [UInt8], _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value: Int64 = 0
        for i in range {
            guard isDigit(b[i]) else { return nil }
            value = value * 10 + Int64(b[i] - 0x30)
        }
        return value
    }

    static func isDash(_ b: [UInt8], _ range: Range<Int>) -> Bool {
        range.count == 1 && b[range.lowerBound] == UInt8(ascii: "-")
    }

    static func text(_ b: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: b[range], as: UTF8.self)
    }
}
