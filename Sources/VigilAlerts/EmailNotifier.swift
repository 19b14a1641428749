import Foundation
import VigilCore

/// Sends each alert as a plain-text mail over SMTP (RFC 5321), with optional `AUTH PLAIN` (RFC 4954).
///
/// ```
/// S: 220 mail.example.com ESMTP        C: EHLO vigil
/// S: 250-mail.example.com / 250 AUTH…  C: AUTH PLAIN base64(\0user\0password)   (when a username is set)
/// C: MAIL FROM:<from>   RCPT TO:<to>…  DATA   headers CRLF body CRLF . CRLF   QUIT
/// ```
///
/// STARTTLS is not available: this build has no TLS library outside SwiftNIO, so use a local relay
/// (Postfix, msmtpd) for mail that leaves the host. `starttls: true` is rejected at load.
public struct EmailNotifier: Notifier {
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

    public init(name: String, options: NotifierOptions) throws(AlertError) {
        try options.allowOnly([
            "smtp", "from", "to", "username", "password", "password_env", "subject", "timeout", "starttls", "helo",
        ])
        self.name = name
        guard let smtp = try options.hostPort("smtp", defaultPort: 25) else {
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
        if try options.bool("starttls") == true {
            throw options.fail("starttls", "STARTTLS is not supported in this build; send through a local relay")
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
        func reply(_ expected: Int...) throws(AlertError) {
            var line = try socket.readLine()
            while line.count >= 4 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { line = try socket.readLine() }
            guard let code = Int(line.prefix(3)), expected.contains(code) else {
                throw .deliveryFailed(notifier: name, reason: "the SMTP server answered '\(line)'")
            }
        }
        func command(_ text: String, _ expected: Int...) throws(AlertError) {
            try socket.write(text + "\r\n")
            var line = try socket.readLine()
            while line.count >= 4 && line[line.index(line.startIndex, offsetBy: 3)] == "-" { line = try socket.readLine() }
            guard let code = Int(line.prefix(3)), expected.contains(code) else {
                throw .deliveryFailed(notifier: name, reason: "the SMTP server answered '\(line)' to \(text.prefix(10))")
            }
        }
        try reply(220)
        try command("EHLO \(heloName)", 250)
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
