import Foundation
import VigilCore

/// Forwards each alert as an RFC 5424 syslog line to a collector (another Vigil, rsyslog, a SIEM):
///
/// ```
/// <PRI>1 2026-11-22T10:00:04.000000Z HOST vigil-alerts - alert - {"count":5,"group":"ip=192.0.2.7",…}
/// ```
///
/// The message is the alert's JSON. UDP sends one datagram per alert; TCP uses RFC 6587 octet
/// counting. The syslog severity follows the alert's: critical → crit, high → err, medium → warning,
/// low → notice, info → info.
public struct SyslogNotifier: Notifier {
    public static let kind = "syslog"
    public let name: String
    let host: String
    let port: Int
    let udp: Bool
    let facility: Int
    let hostname: String
    let timeout: Double

    static let facilities = [
        "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7, "uucp": 8,
        "cron": 9, "authpriv": 10, "ftp": 11, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20,
        "local5": 21, "local6": 22, "local7": 23,
    ]

    public init(name: String, options: NotifierOptions) throws(AlertError) {
        try options.allowOnly(["address", "facility", "hostname", "timeout"])
        self.name = name
        let address = try options.requiredString("address")
        let scheme: Substring
        let rest: Substring
        if let range = address.range(of: "://") {
            scheme = address[..<range.lowerBound]
            rest = address[range.upperBound...]
        } else {
            scheme = "udp"
            rest = Substring(address)
        }
        guard scheme == "udp" || scheme == "tcp", let parsed = NotifierOptions.hostPort(String(rest), defaultPort: 514)
        else { throw options.fail("address", "expected udp://HOST:PORT or tcp://HOST:PORT, got '\(address)'") }
        udp = scheme == "udp"
        (host, port) = parsed
        let facilityName = try options.string("facility") ?? "auth"
        guard let facility = Self.facilities[facilityName] else {
            throw options.fail("facility", "'\(facilityName)' is not a syslog facility (auth, local0 … local7, …)")
        }
        self.facility = facility
        hostname = try options.string("hostname") ?? ProcessInfo.processInfo.hostName
        timeout = try options.seconds("timeout") ?? 5
    }

    /// The syslog line for an alert (without framing).
    func line(for alert: Alert) -> [UInt8] {
        let severity = ["critical": 2, "high": 3, "medium": 4, "low": 5][alert.severity] ?? 6
        let host = hostname.isEmpty ? "-" : String(hostname.filter { $0 != " " }.prefix(255))
        let head = "<\(facility * 8 + severity)>1 \(alert.time.rfc3339) \(host) \(Alert.source) - "
            + (alert.isSummary ? Alert.summaryAction : Alert.action) + " - "
        return Array(head.utf8) + alert.jsonBytes
    }

    public func send(_ alert: Alert) async throws(AlertError) {
        let payload = line(for: alert)
        let notifier = self
        try await NotifierOptions.runBlocking { () throws(AlertError) in
            do throws(AlertError) {
                let socket = try NotifierSocket.connect(
                    host: notifier.host, port: notifier.port, udp: notifier.udp, timeout: notifier.timeout)
                defer { socket.close() }
                try socket.write(notifier.udp ? payload : Array("\(payload.count) ".utf8) + payload)
            } catch {
                throw error.from(notifier.name)
            }
        }
    }
}
