import Foundation
import VigilCore

/// The `gateway` parser: JSON access logs of API gateways, `kind: api`. The field set is detected per
/// line:
///
/// | gateway | detected by | method, url, status | client | actor | duration | time |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | Kong | `request` and `response` objects | `request.method`, `request.uri`, `response.status` | `client_ip` | `consumer.username`/`custom_id`/`id` (service), else `authenticated_entity.id` (api_key) | `latencies.request` | `started_at` (ms) |
/// | Traefik | `RequestMethod`, `DownstreamStatus` | `RequestMethod`, `RequestPath`, `DownstreamStatus` | `ClientHost` | `ClientUsername` | `Duration` (ns) | `StartUTC` |
/// | AWS API Gateway | `httpMethod`, `requestTimeEpoch`, `resourcePath` | `httpMethod`, `path`/`resourcePath`, `status` | `sourceIp`/`ip`/`identity.sourceIp` | `authorizer.claims.sub`/`authorizer.principalId`, else `identity.user`/`identity.caller`/`user`/`caller`, else the API key id (api_key) | `responseLatency` | `requestTimeEpoch`/`requestTime` |
/// | Envoy | `response_code`, `downstream_remote_address`, `start_time` | `method`, `path`, `response_code` | `x_forwarded_for` (first public), `downstream_remote_address` | — | `duration` | `start_time` |
///
/// On every field set an `api_key`/`x_api_key`/`consumer` member gives an `api_key` actor, and
/// `jwt_sub`/`jwt_subject` a JWT subject, when the gateway-specific fields named none. Members not
/// mapped stay in `attrs` under their own names (nested objects keep what was not used).
/// Options: the ``RequestMapping`` keys.
public struct GatewayParser: SourceParser {
    public static let name = "gateway"

    let mapping: RequestMapping

    /// - Throws: ``ConfigurationError`` for an unknown option or a bad template.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: RequestMapping.optionKeys)
        mapping = try RequestMapping.parse(options: configuration.options)
    }

    /// `true` when the message starts (after blanks) with `{`.
    public func accepts(_ input: ParserInput) -> Bool {
        for byte in input.syslog.message.utf8 {
            switch byte {
            case 0x20, 0x09: continue
            case UInt8(ascii: "{"): return true
            default: return false
            }
        }
        return false
    }

    /// - Throws: ``ParseError`` for invalid JSON, or an object that is none of the known field sets.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(input.syslog.message)
        } catch {
            throw ParseError(parser: Self.name, reason: "invalid JSON: \(error.reason)", offset: error.offset)
        }
        guard let object = value.objectValue else {
            throw ParseError(parser: Self.name, reason: "expected a JSON object", offset: 0)
        }
        var members = GatewayMembers(object)
        var line = AccessLogLine()
        var actor: (name: String, id: String?, type: String?)?
        let dialect: String
        if object["request"]?.objectValue != nil && object["response"]?.objectValue != nil {
            dialect = "kong"
            line.method = members.text("request.method")
            line.url = members.text("request.uri") ?? members.text("request.url")
            line.status = members.int("response.status").map(Int.init)
            line.bytes = members.int("response.size")
            line.clients = members.text("client_ip").map { [$0] } ?? []
            line.userAgent = members.text("request.headers.user-agent")
            line.durationMS = members.number("latencies.request")
            line.time = members.number("started_at").flatMap(JSONEventMapper.epoch)
            let consumerID = members.text("consumer.id")
            if let name = members.text("consumer.username") ?? members.text("consumer.custom_id") ?? consumerID {
                actor = (name, consumerID, "service")
            } else if let key = members.text("authenticated_entity.id") {
                actor = (key, members.text("authenticated_entity.consumer_id"), "api_key")
            }
        } else if object["RequestMethod"] != nil || object["DownstreamStatus"] != nil {
            dialect = "traefik"
            line.method = members.text("RequestMethod")
            line.url = members.text("RequestPath")
            line.httpVersion = members.text("RequestProtocol").map { $0.hasPrefix("HTTP/") ? String($0.dropFirst(5)) : $0 }
            line.status = members.int("DownstreamStatus").map(Int.init)
            line.bytes = members.int("DownstreamContentSize")
            line.clients = members.text("ClientHost").map { [$0] } ?? []
            line.userAgent = members.text("request_User-Agent")
            line.durationMS = members.number("Duration").map { $0 / 1_000_000 }
            line.time = members.text("StartUTC").flatMap { Timestamp.parse($0) }
            if let user = AccessLogLine.present(members.text("ClientUsername")) { actor = (user, nil, nil) }
        } else if object["httpMethod"] != nil || object["requestTimeEpoch"] != nil || object["resourcePath"] != nil {
            dialect = "aws_api_gateway"
            line.method = members.text("httpMethod")
            let resource = members.text("resourcePath")
            line.url = members.text("path") ?? resource
            if let resource, line.url != resource { line.attrs["resource_path"] = .string(resource) }
            line.status = members.int("status").map(Int.init)
            line.bytes = members.int("responseLength")
            line.httpVersion = members.text("protocol").map { $0.hasPrefix("HTTP/") ? String($0.dropFirst(5)) : $0 }
            line.clients = (members.text("sourceIp") ?? members.text("ip") ?? members.text("identity.sourceIp")).map { [$0] } ?? []
            line.userAgent = members.text("userAgent") ?? members.text("identity.userAgent")
            line.durationMS = members.number("responseLatency")
            if let epoch = members.number("requestTimeEpoch") {
                line.time = JSONEventMapper.epoch(epoch)
                _ = members.text("requestTime")
            } else if let text = members.text("requestTime") {
                let bytes = Array(text.utf8)
                line.time = CommonLogFormat.clfTime(bytes, at: 0, zone: input.timeZone)?.0 ?? Timestamp.parse(text)
            }
            if let subject = members.text("authorizer.claims.sub") ?? members.text("authorizer.principalId") {
                actor = (subject, nil, nil)
            } else if let user = AccessLogLine.present(members.text("identity.user") ?? members.text("identity.caller")
                ?? members.text("user") ?? members.text("caller"))
            {
                actor = (user, nil, nil)
            } else if let key = AccessLogLine.present(members.text("identity.apiKeyId") ?? members.text("apiKeyId")) {
                actor = (key, nil, "api_key")
            }
        } else if object["response_code"] != nil || object["downstream_remote_address"] != nil
            || object["start_time"] != nil
        {
            dialect = "envoy"
            line.method = members.text("method")
            line.url = members.text("path")
            line.httpVersion = members.text("protocol").map { $0.hasPrefix("HTTP/") ? String($0.dropFirst(5)) : $0 }
            line.status = members.int("response_code").map(Int.init)
            line.bytes = members.int("bytes_sent")
            let forwarded = members.text("x_forwarded_for").map { AccessLogLine.addressList($0.utf8) } ?? []
            let downstream = members.text("downstream_remote_address").map {
                ApacheParser.splitAddress(Substring($0)).0
            }
            line.clients = forwarded + (downstream.map { [$0] } ?? [])
            line.userAgent = members.text("user_agent")
            line.durationMS = members.number("duration")
            line.time = members.text("start_time").flatMap { Timestamp.parse($0) }
        } else {
            throw ParseError(
                parser: Self.name,
                reason: "not a Kong, Envoy, Traefik or AWS API Gateway access log (no request method/status fields)",
                offset: 0)
        }
        if actor == nil {
            if let key = AccessLogLine.present(members.text("api_key") ?? members.text("x_api_key") ?? members.text("consumer")) {
                actor = (key, nil, "api_key")
            } else if let subject = members.text("jwt_sub") ?? members.text("jwt_subject") {
                actor = (subject, nil, nil)
            }
        }
        for (key, value) in members.rest { line.attrs[key] = value }
        line.attrs["gateway"] = .string(dialect)
        var event = line.makeEvent(input, mapping: mapping, kind: "api")
        if let actor {
            event.actor = actor.name
            event.actorID = actor.id
            event.actorType = actor.type
        }
        return event
    }
}

/// A JSON object being mapped: values are taken by dotted path, and what was not taken is ``rest``.
private struct GatewayMembers {
    private(set) var rest: [String: JSONValue]

    init(_ members: [String: JSONValue]) { rest = members }

    /// The value at `path` (`consumer.username`), removed from ``rest``; `nil` for absent or `null`.
    mutating func take(_ path: String) -> JSONValue? {
        let keys = path.split(separator: ".").map(String.init)
        guard let first = keys.first, let value = rest[first] else { return nil }
        if keys.count == 1 {
            rest[first] = nil
            return value == .null ? nil : value
        }
        var container = value
        let found = Self.remove(Array(keys.dropFirst()), from: &container)
        if container.objectValue?.isEmpty == true { rest[first] = nil } else { rest[first] = container }
        return found == .null ? nil : found
    }

    private static func remove(_ keys: [String], from value: inout JSONValue) -> JSONValue? {
        guard var object = value.objectValue, let key = keys.first, var child = object[key] else { return nil }
        let found: JSONValue?
        if keys.count == 1 {
            found = child
            object[key] = nil
        } else {
            found = remove(Array(keys.dropFirst()), from: &child)
            object[key] = child.objectValue?.isEmpty == true ? nil : child
        }
        value = .object(object)
        return found
    }

    mutating func text(_ path: String) -> String? { take(path).flatMap(JSONEventMapper.text) }

    mutating func number(_ path: String) -> Double? { take(path)?.numberValue }

    mutating func int(_ path: String) -> Int64? { take(path)?.intValue }
}
