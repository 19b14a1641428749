import Foundation
import Testing
import VigilAlerts
import VigilCore
import VigilTestSupport

/// Email (STARTTLS, implicit TLS, AUTH) and HTTPS webhooks against real TLS servers on loopback,
/// with a certificate made by `openssl` for the test: trusted through `tls_ca_file`, refused without it.
@Suite(.serialized) struct NotifierTLSTests {
    /// A self-signed certificate for 127.0.0.1 and localhost in a new directory.
    struct Certificate {
        let dir: String
        var cert: String { dir + "/cert.pem" }
        var key: String { dir + "/key.pem" }

        init(names: String = "IP:127.0.0.1,DNS:localhost") throws {
            dir = TestSupport.temporaryDirectory("vigil-tls")
            let (status, output) = try TestSupport.run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=vigil test",
                "-addext", "subjectAltName=" + names, "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
            ])
            guard status == 0 else { throw AlertError.deliveryFailed(notifier: "openssl", reason: output) }
        }
    }

    static var hasPeers: Bool { TestPeer.hasAiosmtpd && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    /// Starts `smtp_tls_server.py MODE` and returns it with its port and mail directory.
    static func smtpServer(_ mode: String, _ certificate: Certificate) async throws -> (TestPeer, Int, String) {
        let dir = certificate.dir + "/" + mode
        let peer = try TestPeer(try #require(TestPeer.python), [
            TestPeer.fixtures + "/smtp_tls_server.py", mode, dir + ".port", dir, certificate.cert, certificate.key,
        ])
        var port = 0
        #expect(await TestSupport.waitUntil(timeout: .seconds(20)) {
            port = Int((try? String(contentsOfFile: dir + ".port", encoding: .utf8)) ?? "") ?? 0
            return port > 0 && TestPeer.isListening(port)
        })
        return (peer, port, dir)
    }

    /// The first mail saved by the server, or "".
    static func firstMail(in dir: String) async -> String {
        var mail = ""
        _ = await TestSupport.waitUntil {
            mail = (try? String(contentsOfFile: dir + "/1.eml", encoding: .utf8)) ?? ""
            return !mail.isEmpty
        }
        return mail
    }

    static func email(_ port: Int, _ extra: [String: JSONValue]) throws -> any Notifier {
        var options: [String: JSONValue] = [
            "smtp": .string("127.0.0.1:\(port)"), "from": "vigil@example.com", "to": "ops@example.com",
            "username": "alerts", "password": "s3cret", "timeout": "5s",
        ]
        options.merge(extra) { _, new in new }
        return try NotifierRegistry.make(kind: "email", name: "mail", options: options)
    }

    /// STARTTLS upgrades then authenticates; implicit TLS is encrypted from the first byte.
    @Test(.enabled(if: hasPeers, "needs python3-aiosmtpd and openssl (./dev test installs them)"),
          arguments: [("starttls", "starttls", "X-Test: user=alerts tls=yes\n"), ("smtps", "tls", "X-Test: user=alerts tls=")])
    func mailIsDeliveredOverTLSAndAuthenticated(server mode: String, tls: String, header: String) async throws {
        let certificate = try Certificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.dir) }
        let (server, port, dir) = try await Self.smtpServer(mode, certificate)
        defer { server.stop() }
        let notifier = try Self.email(port, ["tls": .string(tls), "tls_ca_file": .string(certificate.cert)])
        try await notifier.send(NotifierTests.alert)
        let mail = await Self.firstMail(in: dir)
        #expect(mail.hasPrefix(header), "delivered and authenticated (over TLS for STARTTLS)")
        #expect(mail.contains("Subject: [vigil] medium: failed_logins_per_ip ip=203.0.113.9"))
        #expect(mail.contains("5 failed logins from 203.0.113.9"))
    }

    @Test(.enabled(if: hasPeers, "needs python3-aiosmtpd and openssl (./dev test installs them)"))
    func untrustedCertificateAndMissingStarttlsAreRefused() async throws {
        let certificate = try Certificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.dir) }
        let (server, port, dir) = try await Self.smtpServer("starttls", certificate)
        defer { server.stop() }
        // Without tls_ca_file the self-signed certificate is not trusted by the system's authorities.
        let untrusted = try Self.email(port, ["tls": "starttls"])
        await #expect {
            try await untrusted.send(NotifierTests.alert)
        } throws: { error in
            "\(error)".contains("not trusted") && "\(error)".contains("self-signed")
        }
        // A trusted certificate that names another host is refused too.
        let elsewhere = try Certificate(names: "DNS:mail.example.com")
        defer { try? FileManager.default.removeItem(atPath: elsewhere.dir) }
        let (other, otherPort, _) = try await Self.smtpServer("starttls", elsewhere)
        defer { other.stop() }
        await #expect {
            try await Self.email(otherPort, ["tls": "starttls", "tls_ca_file": .string(elsewhere.cert)]).send(NotifierTests.alert)
        } throws: { error in
            "\(error)".contains("IP address mismatch")
        }
        // tls_verify: false encrypts without checking who answers.
        try await Self.email(port, ["tls": "starttls", "tls_verify": false]).send(NotifierTests.alert)
        #expect(await Self.firstMail(in: dir).hasPrefix("X-Test: user=alerts tls=yes\n"))

        let (plain, plainPort, plainDir) = try await Self.smtpServer("plain", certificate)
        defer { plain.stop() }
        await #expect(throws: AlertError.deliveryFailed(
            notifier: "mail", reason: "the SMTP server does not offer STARTTLS; not sending in clear")
        ) {
            try await Self.email(plainPort, ["starttls": true, "tls_ca_file": .string(certificate.cert)]).send(NotifierTests.alert)
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: plainDir)) ?? []).isEmpty, "nothing was sent in clear")
    }

    @Test(.enabled(if: hasPeers, "needs python3 and openssl (./dev test installs them)"))
    func httpsWebhookChecksTheCertificate() async throws {
        let certificate = try Certificate()
        defer { try? FileManager.default.removeItem(atPath: certificate.dir) }
        let peer = try TestPeer(try #require(TestPeer.python), [
            TestPeer.fixtures + "/webhook_receiver.py", certificate.dir + "/port", certificate.dir + "/out.jsonl", "0",
            certificate.cert, certificate.key,
        ])
        defer { peer.stop() }
        var port = 0
        #expect(await TestSupport.waitUntil {
            port = Int((try? String(contentsOfFile: certificate.dir + "/port", encoding: .utf8)) ?? "") ?? 0
            return port > 0
        })
        let url = JSONValue.string("https://127.0.0.1:\(port)/hooks/vigil")
        let trusted = try NotifierRegistry.make(
            kind: "webhook", name: "hook", options: ["url": url, "tls_ca_file": .string(certificate.cert)])
        try await trusted.send(NotifierTests.alert)
        let request = try #require(NotifierTests.received(certificate.dir + "/out.jsonl").first)
        #expect(request["path"] == "/hooks/vigil")
        #expect(try JSONParser.parse(Array((request["body"]?.stringValue ?? "").utf8))["rule"] == "failed_logins_per_ip")

        let untrusted = try NotifierRegistry.make(kind: "webhook", name: "hook", options: ["url": url, "timeout": "5s"])
        await #expect {
            try await untrusted.send(NotifierTests.alert)
        } throws: { error in
            "\(error)".contains("not trusted")
        }
        #expect(NotifierTests.received(certificate.dir + "/out.jsonl").count == 1)
    }

    @Test func tlsOptionsAreChecked() {
        #expect(throws: AlertError.invalidNotifier(notifier: "mail", field: "tls", reason: "'ssl' is not one of: none, starttls, tls")) {
            try Self.email(25, ["tls": "ssl"])
        }
        #expect(throws: AlertError.invalidNotifier(notifier: "mail", field: "starttls", reason: "contradicts tls: tls; give only one of them")) {
            try Self.email(25, ["tls": "tls", "starttls": true])
        }
        #expect(throws: AlertError.invalidNotifier(notifier: "mail", field: "tls_ca_file", reason: "cannot read /nonexistent/ca.pem")) {
            try Self.email(25, ["tls": "starttls", "tls_ca_file": "/nonexistent/ca.pem"])
        }
        #expect(throws: AlertError.invalidNotifier(notifier: "hook", field: "tls_verify", reason: "applies to https:// URLs only")) {
            try NotifierRegistry.make(kind: "webhook", name: "hook", options: ["url": "http://127.0.0.1:9/x", "tls_verify": false])
        }
        #expect(throws: Never.self) {
            try NotifierRegistry.make(kind: "webhook", name: "hook", options: ["url": "https://hooks.example.com/services/x"])
        }
    }
}
