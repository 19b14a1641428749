import Foundation
import VigilCore

/// Sends each alert as a plain-text mail over SMTP (RFC 5321), with optional `AUTH PLAIN` (RFC 4954)
/// and TLS: `tls: starttls` (RFC 3207, port 587 usually) or `tls: tls` (implicit TLS, RFC 8314, port 465).
///
/// ```
/// S: 220 mail.example.com ESMTP        C: EHLO vigil
/// S: 250-… 250-STARTTLS                C: STARTTLS      S: 220    (TLS handshake)   C: EHLO vigil
/// S: 250-mail.example.com / 250 AUTH…  C: AUTH PLAIN base64(\0user\0password)   (when a username is set)
/// C: MAIL FROM:<from>   RCPT TO:<to>…  DATA   headers CRLF body CRLF . CRLF   QUIT
/// ```
///
/// With `starttls`, a server that does not offer STARTTLS is a delivery failure: the mail is never
/// sent in clear instead.
public struct EmailNotifier: Notifier {
    /// How the connection is protected.
    enum Security: String, Sendable {
        case none
        case starttls
        case tls
    }

    public static let kind = "email"
    public let name: String
    let host: String
    let port: Int
    let from: String
    let to: [String]
    let username: String?
    let password: String?
    let subject: MessageTemplate
    let timeout: Double
    let heloName: String
    let security: Security
    let tlsOptions: TLSOptions

    public init(name: String, options: NotifierOptions) throws(AlertError) {
        try options.allowOnly([
            "smtp", "from", "to", "username", "password", "password_env", "subject", "timeout", "starttls", "helo",
            "tls", "tls_ca_file", "tls_verify",
        ])
        self.name = name
        let tlsWord = try options.string("tls")
        let starttls = try options.bool("starttls")
        switch (tlsWord, starttls) {
        case (nil, true?): security = .starttls
        case (nil, _): security = .none
        case (let word?, let flag):
            guard let chosen = Security(rawValue: word) else {
                throw options.fail("tls", "'\(word)' is not one of: none, starttls, tls")
            }
            if let flag, flag != (chosen == .starttls) {
                throw options.fail("starttls", "contradicts tls: \(word); give only one of them")
            }
            security = chosen
        }
        tlsOptions = try options.tlsOptions()
        guard let smtp = try options.hostPort("smtp", defaultPort: security == .tls ? 465 : 25) else {
            throw options.fail("smtp", "is required (HOST:PORT of the mail server)")
        }
        (host, port) = smtp
        from = try options.requiredString("from")
        guard let to = try options.strings("to"), !to.isEmpty else {
            throw options.fail("to", "give at least one recipient")
        }
        for address in [from] + to where !address.contains("@") || address.contains(where: { "<>\r\n ".contains($0) }) {
            throw options.fail(address == from ? "from" : "to", "'\(address)' is not a mail address")
        }
        self.to = to
        username = try options.string("username")
        if let variable = try options.string("password_env") {
            guard let value = ProcessInfo.processInfo.environment[variable] else {
                throw options.fail("password_env", "the environment variable \(variable) is not set")
            }
            password = value
        } else {
            password = try options.string("password")
        }
        do {
            subject = try MessageTemplate(try options.string("subject") ?? "[vigil] {severity}: {rule} {group}")
        } catch {
            throw options.fail("subject", error.reason)
        }
        timeout = try options.seconds("timeout") ?? 10
        heloName = try options.string("helo") ?? "vigil"
    }

    public func send(_ alert: Alert) async throws(AlertError) {
        let message = self.message(for: alert, date: Date())
        let notifier = self
        try await NotifierOptions.runBlocking { () throws(AlertError) in
            do throws(AlertError) {
                try notifier.deliver(message)
            } catch {
                throw error.from(notifier.name)
            }
        }
    }

    func deliver(_ message: String) throws(AlertError) {
        var socket = try NotifierSocket.connect(host: host, port: port, timeout: timeout)
        defer { socket.close() }
        if security == .tls { try socket.startTLS(host: host, options: tlsOptions) }
        /// The reply's lines (a multi-line reply has `-` after the code); fails unless its code is expected.
        func reply(to text: String?, expecting expected: [Int]) throws(AlertError) -> [String] {
            var lines = [try socket.readLine()]
            while let line = lines.last, line.count >= 4, line[line.index(line.startIndex, offsetBy: 3)] == "-" {
                lines.append(try socket.readLine())
            }
            let last = lines[lines.count - 1]
            guard let code = Int(last.prefix(3)), expected.contains(code) else {
                let after = text.map { " to \($0.prefix(10))" } ?? ""
                throw .deliveryFailed(notifier: name, reason: "the SMTP server answered '\(last)'\(after)")
            }
            return lines
        }
        @discardableResult
        func command(_ text: String, _ expected: Int...) throws(AlertError) -> [String] {
            try socket.write(text + "\r\n")
            return try reply(to: text, expecting: expected)
        }
        _ = try reply(to: nil, expecting: [220])
        let capabilities = try command("EHLO \(heloName)", 250)
        if security == .starttls {
            let offered = capabilities.contains { $0.dropFirst(4).uppercased().hasPrefix("STARTTLS") }
            guard offered else {
                throw .deliveryFailed(notifier: name, reason: "the SMTP server does not offer STARTTLS; not sending in clear")
            }
            try command("STARTTLS", 220)
            try socket.startTLS(host: host, options: tlsOptions)
            try command("EHLO \(heloName)", 250)
        }
        if let username {
            let token = Data(([0] + Array(username.utf8) + [0] + Array((password ?? "").utf8))).base64EncodedString()
            try command("AUTH PLAIN \(token)", 235)
        }
        try command("MAIL FROM:<\(from)>", 250)
        for recipient in to { try command("RCPT TO:<\(recipient)>", 250, 251) }
        try command("DATA", 354)
        try command(Self.dotStuffed(message) + "\r\n.", 250)
        try? socket.write("QUIT\r\n")
    }

    /// The RFC 5322 message: headers, a blank line, the alert text and its JSON.
    func message(for alert: Alert, date: Date) -> String {
        let subjectText = subject.render(event: nil) { value in
            switch value {
            case .rule: return alert.rule
            case .count: return String(alert.count)
            case .group: return alert.group
            case .time: return alert.time.rfc3339
            case .severity: return alert.severity
            case .suppressed: return String(alert.suppressed)
            case .window, .values: return ""
            }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var lines = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodedHeader(subjectText))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(heloName)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "X-Vigil-Rule: \(alert.rule)",
            "",
            alert.message,
            "",
            "rule:     \(alert.rule)",
            "severity: \(alert.severity)",
            "group:    \(alert.group.isEmpty ? "-" : alert.group)",
            "count:    \(alert.count)",
            "time:     \(alert.time.rfc3339)",
        ]
        if alert.suppressed > 0 { lines.append("suppressed: \(alert.suppressed)") }
        if !alert.eventIDs.isEmpty { lines.append("events:   \(alert.eventIDs.map(\.description).joined(separator: " "))") }
        lines += ["", String(decoding: alert.jsonBytes, as: UTF8.self)]
        return lines.joined(separator: "\r\n")
    }

    /// Lines starting with `.` get another (RFC 5321 §4.5.2); bare LFs become CRLF.
    static func dotStuffed(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
    }

    /// RFC 2047 `=?utf-8?B?…?=` for headers that are not plain ASCII.
    static func encodedHeader(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard clean.utf8.contains(where: { $0 >= 0x80 }) else { return clean }
        return "=?utf-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }
}
