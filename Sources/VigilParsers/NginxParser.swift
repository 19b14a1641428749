import Foundation
import VigilCore

/// The `nginx` parser: access lines (`combined`, a custom `log_format`, or a JSON `log_format`) and
/// error-log lines, exactly as `access_log syslog:server=…` / `error_log syslog:server=…` send them, or as
/// a file holds them (no header).
///
/// Options:
/// ```yaml
/// log_format: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'
/// templates: [...]          # RequestMapping: URL templates → action and entity
/// rewrite_prefixes: {...}
/// strip_parameters: [...]
/// ```
///
/// Access lines become `kind: web` events (see ``AccessLogLine``) whose action and outcome come from the
/// ``RequestMapping``; error lines become `action: error` with the level as severity and
/// `attrs.level`, `pid`, `tid`, `connection_id`. Lines that do not follow the configured `log_format`
/// are tried as `combined` before they are refused.
public struct NginxParser: SourceParser {
    public static let name = "nginx"

    let format: NginxLogFormat?
    let mapping: RequestMapping
    let aliases: JSONAliasTable

    /// nginx variable names tried first for JSON `log_format`s.
    private static let jsonAliases: [JSONEventField: [String]] = [
        .ip: ["remote_addr", "realip_remote_addr"],
        .actor: ["remote_user"],
        .method: ["request_method"],
        .url: ["request_uri", "uri"],
        .status: ["status"],
        .bytes: ["body_bytes_sent"],
        .userAgent: ["http_user_agent"],
        .time: ["time_iso8601", "msec"],
    ]

    /// - Throws: ``ConfigurationError`` for an unknown option, a `log_format` that is not a usable string,
    ///   or a bad template.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: RequestMapping.optionKeys.union(["log_format"]))
        if let value = configuration.options["log_format"], value != .null {
            guard let text = value.stringValue, !text.isEmpty else {
                throw ConfigurationError(path: "log_format", reason: "expected an nginx log_format string")
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed == "combined" {
                format = nil
            } else if trimmed.hasPrefix("{") {
                // A JSON log_format: every line is read as JSON, whatever the variables.
                format = nil
            } else {
                let compiled = try NginxLogFormat(trimmed)
                format = compiled.isCombined ? nil : compiled
            }
        } else {
            format = nil
        }
        mapping = try RequestMapping.parse(options: configuration.options)
        var names = JSONAliasTable.defaults.names
        for (field, preferred) in Self.jsonAliases {
            names[field.rawValue] = preferred + names[field.rawValue].filter { !preferred.contains($0) }
        }
        aliases = JSONAliasTable(names: names)
    }

    /// Any non-empty message: access lines start with an address, a host, a quote, a bracket or `{`.
    public func accepts(_ input: ParserInput) -> Bool {
        !input.syslog.message.isEmpty
    }

    /// - Throws: ``ParseError`` when the message is neither an access line (in the configured format,
    ///   `combined`, or JSON) nor an error-log line.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        var bytes = Array(input.syslog.message.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard let first = bytes.first else { throw ParseError(parser: Self.name, reason: "empty message") }
        if first == UInt8(ascii: "{") { return try parseJSON(input) }
        if NginxErrorLine.looksLikeErrorLine(bytes) {
            return try NginxErrorLine.parse(bytes, input: input, parser: Self.name)
        }
        if let format {
            do {
                return try format.match(bytes, zone: input.timeZone, parser: Self.name).makeEvent(input, mapping: mapping)
            } catch {
                guard let line = try? CommonLogFormat.parse(bytes, zone: input.timeZone, parser: Self.name) else {
                    throw error
                }
                return line.makeEvent(input, mapping: mapping)
            }
        }
        return try CommonLogFormat.parse(bytes, zone: input.timeZone, parser: Self.name).makeEvent(input, mapping: mapping)
    }

    // MARK: - JSON log_format

    /// `log_format j escape=json '{"remote_addr":"$remote_addr",...}'`: mapped by the json parser's rules
    /// with nginx variable names as aliases; `$time_local`, `$request`, `$request_time`, `$http_referer`,
    /// `$server_protocol` and `$http_x_forwarded_for` are read as nginx writes them.
    private func parseJSON(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(input.syslog.message)
        } catch {
            throw ParseError(parser: Self.name, reason: "invalid JSON log line: \(error.reason)", offset: error.offset)
        }
        guard var members = value.objectValue else {
            throw ParseError(parser: Self.name, reason: "expected a JSON object", offset: 0)
        }
        // nginx writes "" or "-" for variables without a value.
        for (key, member) in members where member == "" || member == "-" { members[key] = nil }
        var line = AccessLogLine()
        if let text = members.removeValue(forKey: "time_local")?.stringValue {
            let bytes = Array(text.utf8)
            guard let (time, end) = CommonLogFormat.clfTime(bytes, at: 0, zone: input.timeZone), end == bytes.count else {
                throw ParseError(parser: Self.name, reason: "invalid time_local \"\(text)\"")
            }
            line.time = time
        }
        if let seconds = members.removeValue(forKey: "request_time")?.numberValue { line.durationMS = seconds * 1000 }
        line.request = members.removeValue(forKey: "request")?.stringValue
        line.referrer = members.removeValue(forKey: "http_referer")?.scalarText
        if let version = members.removeValue(forKey: "server_protocol")?.stringValue {
            line.httpVersion = version.hasPrefix("HTTP/") ? String(version.dropFirst(5)) : version
        }
        let forwarded = members.removeValue(forKey: "http_x_forwarded_for")?.stringValue.map {
            AccessLogLine.addressList($0.utf8)
        }

        var event = input.makeEvent(action: "request")
        var mapper = JSONEventMapper(members: members, aliases: aliases, timeZone: input.timeZone)
        mapper.fill(&event)
        // The access-log part: client list, request line, time, duration, referrer.
        line.clients = (forwarded ?? []) + (event.ip.map { [$0] } ?? [])
        line.user = event.actor
        line.method = event.method
        line.url = event.url
        line.status = event.status
        line.bytes = event.bytes
        line.userAgent = event.userAgent
        line.durationMS = line.durationMS ?? event.durationMS
        line.attrs = event.attrs
        if line.time == nil, event.time != input.makeEvent().time { line.time = event.time }
        var mapped = line.makeEvent(input, mapping: mapping)
        mapped.message = event.message
        mapped.session = event.session
        mapped.actorID = event.actorID
        mapped.actorRole = event.actorRole
        mapped.severity = event.severity
        return mapped
    }
}
