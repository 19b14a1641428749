import Foundation
import VigilCore

/// The `haproxy` parser: HAProxy's default HTTP (`option httplog`) and TCP (`option tcplog`) log formats,
/// with or without a syslog header.
///
/// ```
/// HTTP: 1.2.3.4:38862 [30/Jul/2018:09:03:52.726] fe be/srv TR/Tw/Tc/Tr/Ta 304 168 - - ---- 6/6/0/0/0 0/0
///       {req headers} {resp headers} "GET /x HTTP/1.1"
/// TCP:  1.2.3.4:38862 [30/Jul/2018:09:03:52.726] fe be/srv Tw/Tc/Tt 2750 -- 1/1/1/1/0 0/0
/// ```
///
/// Fields use FIELDS.md's names in `attrs` (`frontend_name`, `backend_name`, `server_name`, `time_*_ms`,
/// `termination_state`, `conn_*`, `queue_*`, `captured_*`, `request_line`, `accept_date`, `client_port`);
/// `bytes_read` is the event's `bytes` and the total time its `duration_ms`. HTTP lines get their action
/// from the ``RequestMapping`` (options as for nginx); TCP lines are `action: connection`, a success when
/// the session ended normally (termination state `--` or a client/server close `CD`/`SD`).
public struct HAProxyParser: SourceParser {
    public static let name = "haproxy"

    let mapping: RequestMapping

    /// - Throws: ``ConfigurationError`` for an unknown option or a bad template.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: RequestMapping.optionKeys)
        mapping = try RequestMapping.parse(options: configuration.options)
    }

    public func accepts(_ input: ParserInput) -> Bool {
        !input.syslog.message.isEmpty
    }

    /// - Throws: ``ParseError`` naming the first field that is not where the HTTP or TCP format puts it.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        var b = Array(input.syslog.message.utf8)
        while let last = b.last, last == 0x20 || last == 0x09 { b.removeLast() }
        var i = 0
        var line = AccessLogLine()

        let client = CommonLogFormat.token(b, &i)
        let (address, port) = ApacheParser.splitAddress(Substring(CommonLogFormat.text(b, client)))
        guard !client.isEmpty, IPAddress.parse(address) != nil || address.hasPrefix("unix") else {
            throw ParseError(parser: Self.name, reason: "expected client_ip:port at the start", offset: 0)
        }
        line.clients = [address]
        if let port { line.attrs["client_port"] = .int(port) }
        CommonLogFormat.skipSpaces(b, &i)
        guard i < b.count, b[i] == UInt8(ascii: "["),
            let (time, end) = CommonLogFormat.clfTime(b, at: i + 1, zone: input.timeZone), end < b.count,
            b[end] == UInt8(ascii: "]")
        else { throw ParseError(parser: Self.name, reason: "expected [accept_date] after the client", offset: i) }
        line.time = time
        line.attrs["accept_date"] = .string(CommonLogFormat.text(b, (i + 1)..<end))
        i = end + 1

        let frontend = try field(b, &i, "frontend name")
        line.attrs["frontend_name"] = .string(CommonLogFormat.text(b, frontend))
        let backend = CommonLogFormat.text(b, try field(b, &i, "backend/server"))
        let parts = backend.split(separator: "/", maxSplits: 1)
        line.attrs["backend_name"] = .string(String(parts.first ?? ""))
        if parts.count > 1 { line.attrs["server_name"] = .string(String(parts[1])) }

        let timerField = try field(b, &i, "timers")
        let timers = try numbers(b, timerField, "timers")
        switch timers.count {
        case 5:
            for (name, value) in zip(["time_request_ms", "time_queue_ms", "time_connect_ms", "time_response_ms", "time_total_ms"], timers) {
                line.attrs[name] = .int(value)
            }
            return try parseHTTP(b, &i, line: &line, total: timers[4], input: input)
        case 3:
            for (name, value) in zip(["time_queue_ms", "time_connect_ms", "time_total_ms"], timers) {
                line.attrs[name] = .int(value)
            }
            return try parseTCP(b, &i, line: &line, total: timers[2], input: input)
        default:
            throw ParseError(
                parser: Self.name, reason: "expected 5 timers (HTTP) or 3 timers (TCP)", offset: timerField.lowerBound)
        }
    }

    private func parseHTTP(_ b: [UInt8], _ i: inout Int, line: inout AccessLogLine, total: Int64, input: ParserInput)
        throws(ParseError) -> AuditEvent
    {
        let status = try numbers(b, try field(b, &i, "status"), "status")[0]
        if status >= 0 { line.status = Int(status) }
        line.bytes = try numbers(b, try field(b, &i, "bytes_read"), "bytes_read")[0]
        for name in ["captured_request_cookie", "captured_response_cookie"] {
            let value = CommonLogFormat.text(b, try field(b, &i, name))
            if value != "-" { line.attrs[name] = .string(value) }
        }
        try readCounters(b, &i, into: &line)
        var blocks: [[JSONValue]] = []
        CommonLogFormat.skipSpaces(b, &i)
        while i < b.count, b[i] == UInt8(ascii: "{"), blocks.count < 2 {
            let start = i + 1
            guard let close = b[start...].firstIndex(of: UInt8(ascii: "}")) else {
                throw ParseError(parser: Self.name, reason: "unterminated captured headers", offset: i)
            }
            let values = CommonLogFormat.text(b, start..<close).split(separator: "|", omittingEmptySubsequences: true)
            blocks.append(values.map { .string(String($0)) })
            i = close + 1
            CommonLogFormat.skipSpaces(b, &i)
        }
        if let request = blocks.first { line.attrs["captured_request_headers"] = .array(request) }
        if blocks.count > 1 { line.attrs["captured_response_headers"] = .array(blocks[1]) }
        if i < b.count {
            guard b[i] == UInt8(ascii: "\""), b.count - i >= 2, b[b.count - 1] == UInt8(ascii: "\"") else {
                throw ParseError(parser: Self.name, reason: "expected the quoted request line at the end", offset: i)
            }
            let request = CommonLogFormat.text(b, (i + 1)..<(b.count - 1))
            line.attrs["request_line"] = .string(request)
            line.request = request
        }
        if total >= 0 { line.durationMS = Double(total) }
        return line.makeEvent(input, mapping: mapping)
    }

    private func parseTCP(_ b: [UInt8], _ i: inout Int, line: inout AccessLogLine, total: Int64, input: ParserInput)
        throws(ParseError) -> AuditEvent
    {
        line.bytes = try numbers(b, try field(b, &i, "bytes_read"), "bytes_read")[0]
        try readCounters(b, &i, into: &line)
        CommonLogFormat.skipSpaces(b, &i)
        guard i == b.count else {
            throw ParseError(parser: Self.name, reason: "unexpected text after the TCP log fields", offset: i)
        }
        if total >= 0 { line.durationMS = Double(total) }
        var event = line.makeEvent(input, mapping: RequestMapping())
        event.action = "connection"
        let state = line.attrs["termination_state"]?.stringValue ?? ""
        event.outcome = state.hasPrefix("-") || state.hasPrefix("CD") || state.hasPrefix("SD") ? Outcome.success : Outcome.failure
        return event
    }

    /// `tstate actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue`.
    private func readCounters(_ b: [UInt8], _ i: inout Int, into line: inout AccessLogLine) throws(ParseError) {
        line.attrs["termination_state"] = .string(CommonLogFormat.text(b, try field(b, &i, "termination_state")))
        let connectionsField = try field(b, &i, "connection counts")
        let connections = try numbers(b, connectionsField, "connection counts")
        guard connections.count == 5 else {
            throw ParseError(
                parser: Self.name, reason: "expected actconn/feconn/beconn/srv_conn/retries",
                offset: connectionsField.lowerBound)
        }
        for (name, value) in zip(["conn_active", "conn_frontend", "conn_backend", "conn_server", "conn_retries"], connections) {
            line.attrs[name] = .int(value)
        }
        let queuesField = try field(b, &i, "queues")
        let queues = try numbers(b, queuesField, "queues")
        guard queues.count == 2 else {
            throw ParseError(parser: Self.name, reason: "expected srv_queue/backend_queue", offset: queuesField.lowerBound)
        }
        line.attrs["queue_server"] = .int(queues[0])
        line.attrs["queue_backend"] = .int(queues[1])
    }

    /// The next blank-separated field; `what` names it in the error.
    private func field(_ b: [UInt8], _ i: inout Int, _ what: String) throws(ParseError) -> Range<Int> {
        CommonLogFormat.skipSpaces(b, &i)
        let range = CommonLogFormat.token(b, &i)
        guard !range.isEmpty else { throw ParseError(parser: Self.name, reason: "missing \(what)", offset: i) }
        return range
    }

    /// `a/b/c` of integers; each may carry `+` (logasap) or be `-1`.
    private func numbers(_ b: [UInt8], _ range: Range<Int>, _ what: String) throws(ParseError) -> [Int64] {
        var values: [Int64] = []
        var j = range.lowerBound
        while j <= range.upperBound {
            var end = j
            while end < range.upperBound && b[end] != UInt8(ascii: "/") { end += 1 }
            var start = j
            var negative = false
            if start < end, b[start] == UInt8(ascii: "+") {
                start += 1
            } else if start < end, b[start] == UInt8(ascii: "-") {
                negative = true
                start += 1
            }
            guard let value = CommonLogFormat.number(b, start..<end) else {
                throw ParseError(parser: Self.name, reason: "invalid \(what)", offset: range.lowerBound)
            }
            values.append(negative ? -value : value)
            j = end + 1
        }
        return values
    }
}
