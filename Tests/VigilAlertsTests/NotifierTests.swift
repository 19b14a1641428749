import Foundation
import Logging
import Testing
import VigilAlerts
import VigilCore
import VigilTestSupport

/// Each notifier against a real peer on loopback.
@Suite(.serialized) struct NotifierTests {
    static let alert = Alert(
        rule: "failed_logins_per_ip", group: "ip=203.0.113.9", groupFields: [("ip", "203.0.113.9")], count: 5,
        time: Sample.time(18), severity: "medium", eventIDs: [EventID(high: 1, low: 2)],
        message: "5 failed logins from 203.0.113.9 within 10m", notify: ["n"])

    static func make(_ kind: String, _ options: [String: JSONValue]) throws -> any Notifier {
        try NotifierRegistry.make(kind: kind, name: "n", options: options)
    }

    @Test(.enabled(if: TestPeer.hasAiosmtpd, "needs python3-aiosmtpd (./dev test installs it)"))
    func emailReachesARealSMTPServer() async throws {
        let dir = TestSupport.temporaryDirectory("vigil-smtp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = TestSupport.freePort()
        let server = try TestPeer(
            try #require(TestPeer.python),
            ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", dir + "/mail"])
        defer { server.stop() }
        #expect(await TestSupport.waitUntil(timeout: .seconds(20)) { TestPeer.isListening(port) })
        let notifier = try Self.make(
            "email", ["smtp": .string("127.0.0.1:\(port)"), "from": "vigil@example.com", "to": ["ops@example.com", "sec@example.com"]])
        var alert = Self.alert
        alert.message = "5 failed logins from 203.0.113.9\n.leading dot line"
        try await notifier.send(alert)
        var mail = ""
        #expect(await TestSupport.waitUntil {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/mail/new")) ?? []
            guard let file = files.first else { return false }
            mail = (try? String(contentsOfFile: dir + "/mail/new/" + file, encoding: .utf8)) ?? ""
            return !mail.isEmpty
        })
        #expect(mail.contains("Subject: [vigil] medium: failed_logins_per_ip ip=203.0.113.9"))
        #expect(mail.contains("To: ops@example.com, sec@example.com"))
        #expect(mail.contains("5 failed logins from 203.0.113.9"))
        #expect(mail.contains("\n.leading dot line"), "dot-stuffing is undone by the server")
        #expect(mail.contains(#""rule":"failed_logins_per_ip""#))
    }

    @Test func emailReportsARefusedConnection() async throws {
        let notifier = try Self.make(
            "email", ["smtp": .string("127.0.0.1:\(TestSupport.freePort())"), "from": "a@b.c", "to": "d@e.f", "timeout": "2s"])
        await #expect(throws: AlertError.self) { try await notifier.send(Self.alert) }
    }

    func webhookReceiver(failFirst: Int = 0) async throws -> (TestPeer, String, Int) {
        let dir = TestSupport.temporaryDirectory("vigil-hook")
        let python = try #require(TestPeer.python)
        let peer = try TestPeer(
            python, [TestPeer.fixtures + "/webhook_receiver.py", dir + "/port", dir + "/out.jsonl", String(failFirst)])
        var port = 0
        #expect(await TestSupport.waitUntil {
            port = Int((try? String(contentsOfFile: dir + "/port", encoding: .utf8)) ?? "") ?? 0
            return port > 0
        })
        return (peer, dir + "/out.jsonl", port)
    }

    static func received(_ file: String) -> [JSONValue] {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONParser.parse(Array($0.utf8))
        }
    }

    @Test func webhookPostsTheAlertJSON() async throws {
        let (peer, out, port) = try await webhookReceiver()
        defer { peer.stop() }
        let notifier = try Self.make(
            "webhook", ["url": .string("http://127.0.0.1:\(port)/hooks/vigil"), "headers": ["Authorization": "Bearer s3cret"]])
        try await notifier.send(Self.alert)
        let request = try #require(Self.received(out).first)
        #expect(request["path"] == "/hooks/vigil")
        #expect(request["content_type"] == "application/json")
        #expect(request["auth"] == "Bearer s3cret")
        let body = try JSONParser.parse(Array((request["body"]?.stringValue ?? "").utf8))
        #expect(body["rule"] == "failed_logins_per_ip")
        #expect(body["group"] == "ip=203.0.113.9")
        #expect(body["count"] == 5)
        #expect(body["time"] == .string(Sample.time(18).rfc3339))
    }

    @Test func webhookSlackBodyAndErrorStatus() async throws {
        let (peer, out, port) = try await webhookReceiver(failFirst: 1)
        defer { peer.stop() }
        let notifier = try Self.make("webhook", ["url": .string("http://127.0.0.1:\(port)/"), "format": "slack"])
        await #expect(throws: AlertError.deliveryFailed(notifier: "n", reason: "the receiver answered HTTP 503")) {
            try await notifier.send(Self.alert)
        }
        try await notifier.send(Self.alert)
        let body = try JSONParser.parse(Array((Self.received(out).first?["body"]?.stringValue ?? "").utf8))
        let text = try #require(body["text"]?.stringValue)
        #expect(text.contains("*medium* `failed_logins_per_ip` 5 failed logins from 203.0.113.9"))
    }

    @Test func commandGetsTheAlertOnStandardInput() async throws {
        let dir = TestSupport.temporaryDirectory("vigil-cmd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notifier = try Self.make(
            "command", ["command": [.string(TestPeer.fixtures + "/command_notifier.sh"), .string(dir + "/alert.json")]])
        try await notifier.send(Self.alert)
        let saved = try JSONParser.parse(Array(try String(contentsOfFile: dir + "/alert.json", encoding: .utf8).utf8))
        #expect(saved["rule"] == "failed_logins_per_ip")
        #expect(saved["message"] == "5 failed logins from 203.0.113.9 within 10m")
        let env = try String(contentsOfFile: dir + "/alert.json.env", encoding: .utf8)
        #expect(env == "failed_logins_per_ip|medium|ip=203.0.113.9\n")
    }

    @Test func commandFailuresAndTimeoutsAreErrors() async throws {
        let failing = try Self.make("command", ["command": ["/bin/sh", "-c", "exit 3"]])
        await #expect(throws: AlertError.deliveryFailed(notifier: "n", reason: "/bin/sh exited with status 3")) {
            try await failing.send(Self.alert)
        }
        let hanging = try Self.make("command", ["command": ["/bin/sleep", "30"], "timeout": "200ms"])
        let start = ContinuousClock.now
        await #expect(throws: AlertError.self) { try await hanging.send(Self.alert) }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func syslogForwardsAnRFC5424Line() async throws {
        let receiver = UDPReceiver()
        defer { receiver.close() }
        let notifier = try Self.make(
            "syslog", ["address": .string("udp://127.0.0.1:\(receiver.port)"), "facility": "auth", "hostname": "vigil01"])
        try await notifier.send(Self.alert)
        let line = try #require(receiver.receive())
        // auth (4) * 8 + warning (4) = 36
        #expect(line.hasPrefix("<36>1 \(Sample.time(18).rfc3339) vigil01 vigil-alerts - alert - {"))
        #expect(line.contains(#""group":"ip=203.0.113.9""#))
    }

    @Test func badOptionsNameTheKey() {
        #expect(throws: AlertError.invalidNotifier(notifier: "n", field: "url", reason: "expected http(s)://HOST[:PORT]/PATH")) {
            try Self.make("webhook", ["url": "ftp://hooks.example.com/x"])
        }
        #expect(throws: AlertError.self) { try Self.make("email", ["smtp": "127.0.0.1:25", "from": "x@y.z"]) }
        #expect(throws: AlertError.self) { try Self.make("syslog", ["address": "udp://h:1", "colour": "red"]) }
        #expect(throws: AlertError.self) { try Self.make("pager", [:]) }
    }
}
