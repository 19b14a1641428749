import Foundation
import VigilCore

/// nginx error-log lines:
///
/// ```
/// 2026/11/22 10:00:00 [error] 123#0: *45 open() "/x" failed (2: No such file or directory), client: 1.2.3.4,
///     server: localhost, request: "GET /x HTTP/1.1", host: "localhost"
/// yyyy/mm/dd hh:mm:ss [level] pid#tid: [*connection ]message
/// ```
///
/// The time has no zone: it is read in the route's zone.
enum NginxErrorLine {
    /// `yyyy/mm/dd hh:mm:ss [`
    static func looksLikeErrorLine(_ b: [UInt8]) -> Bool {
        b.count > 21 && b[4] == UInt8(ascii: "/") && b[7] == UInt8(ascii: "/") && b[10] == UInt8(ascii: " ")
            && b[13] == UInt8(ascii: ":") && b[19] == UInt8(ascii: " ") && b[20] == UInt8(ascii: "[")
            && CommonLogFormat.isDigit(b[0])
    }

    static func parse(_ b: [UInt8], input: ParserInput, parser: String) throws(ParseError) -> AuditEvent {
        guard let year = CommonLogFormat.digits(b, 0, 4), let month = CommonLogFormat.digits(b, 5, 2),
            let day = CommonLogFormat.digits(b, 8, 2), let hour = CommonLogFormat.digits(b, 11, 2),
            let minute = CommonLogFormat.digits(b, 14, 2), b[16] == UInt8(ascii: ":"),
            let second = CommonLogFormat.digits(b, 17, 2),
            let time = CommonLogFormat.localInstant(
                zone: input.timeZone, year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: 0)
        else { throw ParseError(parser: parser, reason: "invalid error-log time", offset: 0) }
        var i = 21
        let levelStart = i
        while i < b.count && b[i] != UInt8(ascii: "]") { i += 1 }
        guard i < b.count, i > levelStart, i - levelStart <= 10 else {
            throw ParseError(parser: parser, reason: "expected [level] after the error-log time", offset: levelStart)
        }
        let level = CommonLogFormat.text(b, levelStart..<i).lowercased()
        i += 1
        CommonLogFormat.skipSpaces(b, &i)

        var event = input.makeEvent(action: "error")
        event.kind = "web"
        event.time = time
        event.attrs["level"] = .string(level)
        event.severity = JSONEventMapper.severity(.string(level))
        // `pid#tid: ` then an optional `*connection `.
        let pidStart = i
        while i < b.count && CommonLogFormat.isDigit(b[i]) { i += 1 }
        if i > pidStart, i < b.count, b[i] == UInt8(ascii: "#") {
            if let pid = CommonLogFormat.number(b, pidStart..<i) { event.attrs["pid"] = .int(pid) }
            i += 1
            let tidStart = i
            while i < b.count && CommonLogFormat.isDigit(b[i]) { i += 1 }
            if let tid = CommonLogFormat.number(b, tidStart..<i) { event.attrs["tid"] = .int(tid) }
            guard i < b.count, b[i] == UInt8(ascii: ":") else {
                throw ParseError(parser: parser, reason: "expected \"pid#tid:\" after the level", offset: pidStart)
            }
            i += 1
            CommonLogFormat.skipSpaces(b, &i)
        } else {
            i = pidStart
        }
        if i < b.count, b[i] == UInt8(ascii: "*") {
            let start = i + 1
            var end = start
            while end < b.count && CommonLogFormat.isDigit(b[end]) { end += 1 }
            if let connection = CommonLogFormat.number(b, start..<end), end < b.count, b[end] == UInt8(ascii: " ") {
                event.attrs["connection_id"] = .int(connection)
                i = end + 1
            }
        }
        let message = CommonLogFormat.text(b, i..<b.count)
        event.message = message
        readContext(message, into: &event)
        return event
    }

    /// The `, client: …, server: …, request: "…", upstream: "…", host: "…", referrer: "…"` tail.
    private static func readContext(_ message: String, into event: inout AuditEvent) {
        if let client = value(after: ", client: ", in: message, quoted: false) {
            event.ip = client
            if IPAddress.parse(client) == nil { event.attrs["client_domain"] = .string(client) }
        }
        if let server = value(after: ", server: ", in: message, quoted: false) { event.attrs["server"] = .string(server) }
        if let request = value(after: ", request: ", in: message, quoted: true) {
            let parts = AccessLogLine.splitRequest(request)
            event.method = parts.method
            event.url = parts.target
            if let version = parts.version { event.attrs["http_version"] = .string(version) }
        }
        if let upstream = value(after: ", upstream: ", in: message, quoted: true) {
            event.attrs["upstream"] = .string(upstream)
        }
        if let host = value(after: ", host: ", in: message, quoted: true) { event.attrs["http_host"] = .string(host) }
        if let referrer = value(after: ", referrer: ", in: message, quoted: true) {
            event.attrs["referrer"] = .string(referrer)
        }
    }

    private static func value(after key: String, in message: String, quoted: Bool) -> String? {
        guard let range = message.range(of: key) else { return nil }
        var rest = message[range.upperBound...]
        if quoted {
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let close = rest.range(of: "\", ")?.lowerBound ?? (rest.hasSuffix("\"") ? rest.index(before: rest.endIndex) : nil)
            else { return nil }
            return String(rest[..<close])
        }
        let end = rest.range(of: ", ")?.lowerBound ?? rest.endIndex
        let text = rest[..<end]
        return text.isEmpty ? nil : String(text)
    }
}
