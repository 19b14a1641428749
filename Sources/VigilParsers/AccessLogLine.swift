import Foundation
import VigilCore

/// One web access-log line taken apart (nginx, Apache, HAProxy), before it becomes an event.
///
/// The parsers fill what their dialect carries; ``makeEvent(_:mapping:)`` maps it onto the event
/// model the same way for all of them: `kind: web`, client address, actor, request, status, outcome.
struct AccessLogLine {
    /// Client addresses in order: a forwarded-for list first, the connecting address last.
    var clients: [String] = []
    var ident: String?
    var user: String?
    var time: Timestamp?
    /// The request line exactly as logged (`GET /a?b=1 HTTP/1.1`, `-`, or junk).
    var request: String?
    /// Set when the dialect logs the parts separately (nginx `$request_method`, `$request_uri`).
    var method: String?
    var url: String?
    var httpVersion: String?
    var status: Int?
    var bytes: Int64?
    var referrer: String?
    var userAgent: String?
    var durationMS: Double?
    var attrs: [String: JSONValue] = [:]

    /// An event from the line: the shared web mapping, then `mapping` for action, entity and outcome.
    func makeEvent(_ input: ParserInput, mapping: RequestMapping, kind: String = "web") -> AuditEvent {
        var event = input.makeEvent(action: "request")
        event.kind = kind
        if let time { event.time = time }
        event.attrs = attrs
        fillClient(&event)
        if let user = Self.present(user) { event.actor = user }
        if let ident = Self.present(ident) { event.attrs["ident"] = .string(ident) }
        if let request = Self.present(request) {
            let parts = Self.splitRequest(request)
            event.method = parts.method
            event.url = parts.target
            if let version = parts.version { event.attrs["http_version"] = .string(version) }
        }
        if let method = Self.present(method) { event.method = method }
        if let url = Self.present(url) { event.url = url }
        if let httpVersion = Self.present(httpVersion) { event.attrs["http_version"] = .string(httpVersion) }
        event.status = status
        event.bytes = bytes
        event.durationMS = durationMS
        if let referrer = Self.present(referrer) { event.attrs["referrer"] = .string(referrer) }
        if let userAgent = Self.present(userAgent) { event.userAgent = userAgent }
        mapping.apply(to: &event, referrer: Self.present(referrer))
        return event
    }

    /// `ip` is the first public address of the client list (else its first address); the whole list
    /// goes to `attrs.client_ip_list` when it has more than one entry; a host name to `attrs.client_domain`.
    private func fillClient(_ event: inout AuditEvent) {
        var firstAddress: String?
        for client in clients {
            guard let address = IPAddress.parse(client) else {
                if event.attrs["client_domain"] == nil { event.attrs["client_domain"] = .string(client) }
                continue
            }
            if firstAddress == nil { firstAddress = client }
            if event.ip == nil, address.isPublic { event.ip = client }
        }
        if event.ip == nil { event.ip = firstAddress }
        if clients.count > 1 { event.attrs["client_ip_list"] = .array(clients.map(JSONValue.string)) }
    }

    /// `nil` for absent, empty and `-` values (the access-log spelling of "none").
    static func present(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value != "-" else { return nil }
        return value
    }

    // MARK: - Request line

    /// `METHOD SP target SP HTTP/x.y` → its parts. A line that is not one (`-`, TLS bytes logged as
    /// `\x16\x03...`, garbage) has no method, and its text is the target: the URL exactly as logged.
    static func splitRequest(_ line: String) -> (method: String?, target: String?, version: String?) {
        var storage = line
        return storage.withUTF8 { bytes in
            guard let firstSpace = bytes.firstIndex(of: UInt8(ascii: " ")), firstSpace > 0, firstSpace <= 24,
                UnsafeBufferPointer(rebasing: bytes[..<firstSpace]).allSatisfy(Self.isMethodByte)
            else {
                return (nil, line, nil)
            }
            let method = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<firstSpace]), as: UTF8.self)
            let lastSpace = bytes.lastIndex(of: UInt8(ascii: " ")) ?? firstSpace
            let tail = UnsafeBufferPointer(rebasing: bytes[(lastSpace + 1)...])
            if lastSpace > firstSpace, tail.starts(with: "HTTP/".utf8) {
                let target = String(decoding: UnsafeBufferPointer(rebasing: bytes[(firstSpace + 1)..<lastSpace]), as: UTF8.self)
                return (method, target, String(decoding: UnsafeBufferPointer(rebasing: tail[(tail.startIndex + 5)...]), as: UTF8.self))
            }
            // HTTP/0.9 (`GET /`) or a target with spaces and no version.
            return (method, String(decoding: UnsafeBufferPointer(rebasing: bytes[(firstSpace + 1)...]), as: UTF8.self), nil)
        }
    }

    private static func isMethodByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
    }

    /// Splits a forwarded-for list (`a, b c`) into addresses, skipping `-` and `unknown`.
    static func addressList<C: Collection<UInt8>>(_ text: C) -> [String] {
        var result: [String] = []
        var index = text.startIndex
        while index != text.endIndex {
            guard !Self.isListSeparator(text[index]) else {
                index = text.index(after: index)
                continue
            }
            let start = index
            while index != text.endIndex && !Self.isListSeparator(text[index]) { index = text.index(after: index) }
            let token = text[start..<index]
            let isUnknown = token.count == 7 && String(decoding: token, as: UTF8.self).lowercased() == "unknown"
            if !(token.count == 1 && token.first == UInt8(ascii: "-")) && !isUnknown {
                result.append(String(decoding: token, as: UTF8.self))
            }
        }
        return result
    }

    private static func isListSeparator(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x20 || byte == 0x09 || byte == 0x22
    }
}

// MARK: - Public addresses

extension IPAddress {
    /// Whether the address is globally routable: not private (RFC 1918, RFC 4193), loopback,
    /// link-local, CGNAT (RFC 6598), unspecified or documentation-only.
    var isPublic: Bool {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            let a = v >> 24
            let b = v >> 16 & 0xFF
            switch a {
            case 0, 10, 127: return false
            case 100 where b >= 64 && b <= 127: return false
            case 169 where b == 254: return false
            case 172 where b >= 16 && b <= 31: return false
            case 192 where b == 168: return false
            case 224...255: return false
            default: return true
            }
        }
        if high == 0 && (low == 0 || low == 1) { return false }
        let top = high >> 48
        if top & 0xFE00 == 0xFC00 { return false }  // fc00::/7
        if top & 0xFFC0 == 0xFE80 { return false }  // fe80::/10
        if top & 0xFF00 == 0xFF00 { return false }  // multicast
        return true
    }
}
