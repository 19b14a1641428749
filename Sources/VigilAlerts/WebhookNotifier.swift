import VigilCore

/// POSTs each alert as JSON to a URL: the alert object (`format: json`, the default), or a
/// Slack-compatible incoming-webhook body `{"text": "…"}` (`format: slack`).
///
/// HTTP/1.1 over `http://` or `https://` (TLS 1.2+, the certificate checked against the system's
/// authorities or `tls_ca_file`). Any 2xx answer counts as delivered.
public struct WebhookNotifier: Notifier {
    public static let kind = "webhook"
    public let name: String
    let host: String
    let port: Int
    let path: String
    let slack: Bool
    let headers: [(String, String)]
    let timeout: Double
    /// Set for `https://` URLs.
    let tls: TLSOptions?

    public init(name: String, options: NotifierOptions) throws(AlertError) {
        try options.allowOnly(["url", "format", "headers", "timeout", "tls_ca_file", "tls_verify"])
        self.name = name
        let url = try options.requiredString("url")
        let secure = url.hasPrefix("https://")
        guard secure || url.hasPrefix("http://") else {
            throw options.fail("url", "expected http(s)://HOST[:PORT]/PATH")
        }
        tls = secure ? try options.tlsOptions() : nil
        if !secure, options.values["tls_ca_file"] != nil || options.values["tls_verify"] != nil {
            throw options.fail(options.values["tls_ca_file"] != nil ? "tls_ca_file" : "tls_verify", "applies to https:// URLs only")
        }
        let rest = url.dropFirst(secure ? "https://".count : "http://".count)
        let authority = rest.prefix { $0 != "/" }
        path = rest.count > authority.count ? String(rest.dropFirst(authority.count)) : "/"
        guard let parsed = NotifierOptions.hostPort(String(authority), defaultPort: secure ? 443 : 80) else {
            throw options.fail("url", "expected http(s)://HOST[:PORT]/PATH, got '\(url)'")
        }
        (host, port) = parsed
        switch try options.string("format") ?? "json" {
        case "json": slack = false
        case "slack": slack = true
        case let other: throw options.fail("format", "'\(other)' is not one of: json, slack")
        }
        var headers: [(String, String)] = []
        if let value = options.values["headers"] {
            guard let object = value.objectValue else { throw options.fail("headers", "expected a mapping") }
            for (key, item) in object.sorted(by: { $0.key < $1.key }) {
                guard let text = item.scalarText, !key.contains(where: { "\r\n:".contains($0) }),
                    !text.contains(where: { "\r\n".contains($0) })
                else { throw options.fail("headers.\(key)", "expected a single-line value") }
                headers.append((key, text))
            }
        }
        self.headers = headers
        timeout = try options.seconds("timeout") ?? 10
    }

    /// The request body for an alert.
    func body(for alert: Alert) -> [UInt8] {
        guard slack else { return alert.jsonBytes }
        let icon = ["critical": ":rotating_light:", "high": ":red_circle:", "medium": ":large_orange_diamond:"]
        var text = "\(icon[alert.severity] ?? ":information_source:") *\(alert.severity)* `\(alert.rule)` \(alert.message)"
        if !alert.group.isEmpty { text += "\ngroup: \(alert.group), count: \(alert.count), time: \(alert.time.rfc3339)" }
        var writer = JSONWriter(capacity: 256)
        writer.write(["text": .string(text)])
        return writer.bytes
    }

    public func send(_ alert: Alert) async throws(AlertError) {
        let payload = body(for: alert)
        let notifier = self
        try await NotifierOptions.runBlocking { () throws(AlertError) in
            do throws(AlertError) {
                try notifier.post(payload)
            } catch {
                throw error.from(notifier.name)
            }
        }
    }

    func post(_ payload: [UInt8]) throws(AlertError) {
        var socket = try NotifierSocket.connect(host: host, port: port, timeout: timeout)
        defer { socket.close() }
        if let tls { try socket.startTLS(host: host, options: tls) }
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var head = "POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: vigil-alerts\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n"
        for (key, value) in headers { head += "\(key): \(value)\r\n" }
        try socket.write(Array((head + "\r\n").utf8) + payload)
        let status = try socket.readLine()
        let parts = status.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw .deliveryFailed(notifier: name, reason: "not an HTTP answer: '\(status.prefix(80))'")
        }
        guard (200..<300).contains(code) else {
            throw .deliveryFailed(notifier: name, reason: "the receiver answered HTTP \(code)")
        }
    }
}
