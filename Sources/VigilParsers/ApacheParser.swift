import Foundation
import VigilCore

/// The `apache` parser: access lines (common, combined, vhost_combined, a quoted X-Forwarded-For prefix,
/// a trailing `"-"`, mod_ssl's `ssl_request_log`) and error-log lines of Apache 2.2 and 2.4.
///
/// Options: the ``RequestMapping`` keys (`templates`, `rewrite_prefixes`, `strip_parameters`).
///
/// ```
/// 2.4: [Sat Nov 22 10:00:00.123456 2026] [core:error] [pid 123:tid 456] [client 1.2.3.4:5678] AH00126: ...
/// 2.2: [Sat Nov 22 10:00:00 2026] [error] [client 1.2.3.4] File does not exist: /var/www/favicon.ico
/// ```
///
/// Access lines become `kind: web` events (see ``AccessLogLine``); error lines `action: error` with the
/// level as severity, and `attrs.level`, `module`, `pid`, `tid`, `client_port`, `error_code` (`AH00126`).
public struct ApacheParser: SourceParser {
    public static let name = "apache"

    let mapping: RequestMapping

    /// - Throws: ``ConfigurationError`` for an unknown option or a bad template.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: RequestMapping.optionKeys)
        mapping = try RequestMapping.parse(options: configuration.options)
    }

    public func accepts(_ input: ParserInput) -> Bool {
        !input.syslog.message.isEmpty
    }

    /// - Throws: ``ParseError`` when the message is neither an access line nor an error-log line.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        var bytes = Array(input.syslog.message.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard !bytes.isEmpty else { throw ParseError(parser: Self.name, reason: "empty message") }
        if bytes.count > 2, bytes[0] == UInt8(ascii: "["), !CommonLogFormat.isDigit(bytes[1]) {
            return try parseError(bytes, input: input)
        }
        return try CommonLogFormat.parse(bytes, zone: input.timeZone, parser: Self.name).makeEvent(input, mapping: mapping)
    }

    // MARK: - Error log

    private func parseError(_ b: [UInt8], input: ParserInput) throws(ParseError) -> AuditEvent {
        var i = 1
        guard let time = Self.errorTime(b, &i, zone: input.timeZone) else {
            throw ParseError(parser: Self.name, reason: "expected [Www Mmm dd hh:mm:ss yyyy] at the start of an error line", offset: 1)
        }
        var event = input.makeEvent(action: "error")
        event.kind = "web"
        event.time = time
        var sawLevel = false
        while i + 1 < b.count, b[i] == UInt8(ascii: " "), b[i + 1] == UInt8(ascii: "[") {
            let start = i + 2
            var end = start
            while end < b.count && b[end] != UInt8(ascii: "]") { end += 1 }
            guard end < b.count else { break }
            let group = CommonLogFormat.text(b, start..<end)
            if group.hasPrefix("pid ") {
                let parts = group.dropFirst(4).split(separator: ":")
                if let pid = parts.first.flatMap({ Int64($0) }) { event.attrs["pid"] = .int(pid) }
                if parts.count > 1, parts[1].hasPrefix("tid "), let tid = Int64(parts[1].dropFirst(4)) {
                    event.attrs["tid"] = .int(tid)
                }
            } else if group.hasPrefix("client ") || group.hasPrefix("remote ") {
                let (address, port) = Self.splitAddress(group.dropFirst(7))
                if group.hasPrefix("client ") {
                    event.ip = address
                    if let port { event.attrs["client_port"] = .int(port) }
                } else {
                    event.attrs["remote_ip"] = .string(address)
                }
            } else if !sawLevel, !group.isEmpty, group.count <= 40, !group.contains(" ") {
                sawLevel = true
                var level = Substring(group)
                if let colon = group.lastIndex(of: ":") {
                    event.attrs["module"] = .string(String(group[..<colon]))
                    level = group[group.index(after: colon)...]
                }
                event.attrs["level"] = .string(String(level))
                let base = level.lowercased().hasPrefix("trace") ? "trace" : level.lowercased()
                event.severity = JSONEventMapper.severity(.string(base))
            } else {
                break
            }
            i = end + 1
        }
        CommonLogFormat.skipSpaces(b, &i)
        let message = CommonLogFormat.text(b, i..<b.count)
        event.message = message
        let code = message.prefix(while: { $0 != ":" && $0 != " " })
        if code.count == 7, code.hasPrefix("AH"), code.dropFirst(2).allSatisfy(\.isNumber) {
            event.attrs["error_code"] = .string(String(code))
        }
        if let range = message.range(of: ", referer: ", options: .backwards) {
            event.attrs["referrer"] = .string(String(message[range.upperBound...]))
        }
        return event
    }

    /// `Www Mmm dd hh:mm:ss[.ffffff] yyyy]` after the opening bracket; `i` ends after `]`.
    private static func errorTime(_ b: [UInt8], _ i: inout Int, zone: TimeZone) -> Timestamp? {
        guard i + 24 <= b.count, b[i + 3] == UInt8(ascii: " "), b[i + 7] == UInt8(ascii: " "),
            let month = CommonLogFormat.monthNumber(b, i + 4)
        else { return nil }
        var j = i + 8
        CommonLogFormat.skipSpaces(b, &j)
        let dayStart = j
        while j < b.count && CommonLogFormat.isDigit(b[j]) { j += 1 }
        guard let day = CommonLogFormat.number(b, dayStart..<j), j < b.count, b[j] == UInt8(ascii: " ") else { return nil }
        j += 1
        guard let hour = CommonLogFormat.digits(b, j, 2), j + 8 <= b.count, b[j + 2] == UInt8(ascii: ":"),
            let minute = CommonLogFormat.digits(b, j + 3, 2), b[j + 5] == UInt8(ascii: ":"),
            let second = CommonLogFormat.digits(b, j + 6, 2)
        else { return nil }
        j += 8
        var micros = 0
        if j < b.count, b[j] == UInt8(ascii: ".") {
            j += 1
            var place = 100_000
            while j < b.count && CommonLogFormat.isDigit(b[j]) {
                micros += Int(b[j] - 0x30) * place
                place /= 10
                j += 1
            }
        }
        guard j < b.count, b[j] == UInt8(ascii: " "), let year = CommonLogFormat.digits(b, j + 1, 4),
            j + 5 < b.count, b[j + 5] == UInt8(ascii: "]")
        else { return nil }
        i = j + 6
        return CommonLogFormat.localInstant(
            zone: zone, year: year, month: month, day: Int(day), hour: hour, minute: minute, second: second, microsecond: micros)
    }

    /// `1.2.3.4:5678`, `::1:5678`, `[::1]:5678` or a bare address → address and port.
    static func splitAddress(_ text: Substring) -> (String, Int64?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let port = text[close...].dropFirst(2)
            return (String(text[text.index(after: text.startIndex)..<close]), Int64(port))
        }
        // Apache 2.4 always appends the port (`::1:5678` too); 2.2 never does.
        if let colon = text.lastIndex(of: ":"), let port = Int64(text[text.index(after: colon)...]),
            IPAddress.parse(text[..<colon]) != nil
        {
            return (String(text[..<colon]), port)
        }
        return (String(text), nil)
    }
}
