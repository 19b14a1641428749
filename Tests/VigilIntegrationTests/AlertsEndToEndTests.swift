import Foundation
import Logging
import Testing
import VigilCore
import VigilServer
import VigilStore
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// Alert rules in the real daemon (`makeServer`): alerts are stored and streamed as events and reach
    /// a real SMTP server, HTTP receiver and command; window state survives a restart; a hanging notifier
    /// does not delay storage.
    @Suite struct AlertsEndToEndTests {
        static let packPath = TestSupport.repositoryRoot.path + "/Config/rules.d"

        /// 40 failed logins from one IP within 3 minutes, as JSON lines with their own times (from `base`).
        static func bruteForce(from start: Int = 0, ip: String = "203.0.113.9", base: Int64 = 1_795_428_000_000_000) -> [String] {
            (0..<40).map { i in
                let t = Timestamp(microseconds: base + Int64(start + i) * 4_500_000)
                return #"{"time":"\#(t.rfc3339)","user":"user\#(i % 9)","action":"login_failed","outcome":"failure","ip":"\#(ip)"}"#
            }
        }

        @Test func bruteForceRaisesOneStoredAlertThatReachesEveryNotifier() async throws {
            let peers = TestSupport.temporaryDirectory("vigil-alert-peers")
            defer { try? FileManager.default.removeItem(atPath: peers) }
            let python = try #require(TestPeer.python)
            let hook = try TestPeer(
                python, [TestPeer.fixtures + "/webhook_receiver.py", peers + "/port", peers + "/hook.jsonl"])
            defer { hook.stop() }
            var hookPort = 0
            #expect(await TestSupport.waitUntil {
                hookPort = Int((try? String(contentsOfFile: peers + "/port", encoding: .utf8)) ?? "") ?? 0
                return hookPort > 0
            })
            let smtpPort = TestSupport.freePort()
            let smtp = TestPeer.hasAiosmtpd
                ? try TestPeer(python, ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(smtpPort)", "-c",
                                           "aiosmtpd.handlers.Mailbox", peers + "/mail"])
                : nil
            defer { smtp?.stop() }
            if smtp != nil { #expect(await TestSupport.waitUntil { TestPeer.isListening(smtpPort) }) }

            var rules = try RuleLoader.load(paths: [Self.packPath])
            for i in rules.indices where rules[i].name == "failed_logins_per_ip" {
                rules[i].notify = ["hook", "script"] + (smtp != nil ? ["mail"] : [])
            }
            let server = try await ServerHarness { c in
                c.alerts.rules = rules
                c.alerts.notifiers = [
                    .init(name: "hook", kind: "webhook", options: ["url": .string("http://127.0.0.1:\(hookPort)/alerts")]),
                    .init(name: "script", kind: "command", options: [
                        "command": [.string(TestPeer.fixtures + "/command_notifier.sh"), .string(peers + "/alert.json")],
                    ]),
                    .init(name: "mail", kind: "email", options: [
                        "smtp": .string("127.0.0.1:\(smtpPort)"), "from": "vigil@example.com", "to": ["ops@example.com"],
                    ]),
                ]
            }
            // Timed just before now: the rule's 10-minute suppression then outlasts the test. With times
            // long past, the engine's next tick (on the wall clock) ends it at once and notifies a
            // summary of the 35 suppressed failures, which may overwrite the alert before it is read.
            try server.send(Self.bruteForce(base: Timestamp.now().microseconds - 200_000_000), to: server.tcpAddress)
            let stored = await TestSupport.waitUntil { ((try? server.query("action:alert attrs.rule:failed_logins_per_ip")) ?? []).count >= 1 }
            #expect(stored)
            try await server.waitForCount(41)
            let alerts = try server.query("action:alert attrs.rule:failed_logins_per_ip")
            #expect(alerts.count == 1, "one alert per suppression window")
            let alert = try #require(alerts.first)
            #expect(alert.kind == "system")
            #expect(alert.severity == "medium")
            #expect(alert.attrs["count"] == 5)
            #expect(alert.attrs["group"] == "ip=203.0.113.9")
            #expect(alert.message?.contains("5 failed logins from 203.0.113.9") == true)
            let ids = alert.attrs["event_ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(ids.count == 5)
            let triggering = try server.query("action:login_failed ip:203.0.113.9")
            #expect(Set(ids).isSubset(of: Set(triggering.map(\.id.description))), "the ids name stored events")

            // Every notifier got it.
            #expect(await TestSupport.waitUntil { FileManager.default.fileExists(atPath: peers + "/alert.json") })
            let fromScript = try JSONParser.parse(Array(try String(contentsOfFile: peers + "/alert.json", encoding: .utf8).utf8))
            #expect(fromScript["rule"] == "failed_logins_per_ip")
            #expect(fromScript["count"] == 5)
            #expect(await TestSupport.waitUntil {
                ((try? String(contentsOfFile: peers + "/hook.jsonl", encoding: .utf8)) ?? "").contains("203.0.113.9")
            })
            if smtp != nil {
                #expect(await TestSupport.waitUntil {
                    ((try? FileManager.default.contentsOfDirectory(atPath: peers + "/mail/new")) ?? []).count == 1
                })
            }
            try await server.stop()

            // `vigil alerts` lists it from the data directory.
            let listed = try DaemonProcess.client(["alerts", "--data-dir", server.directory, "-o", "json"])
            #expect(listed.status == 0)
            #expect(listed.output.contains(#""group":"ip=203.0.113.9""#), "\(listed.output)")
        }

        /// A daemon over a fixed data directory, started and stopped like `vigil serve`.
        static func runServer(
            directory: String, rules: [String], notifiers: [VigilConfiguration.Alerts.Notifier] = [],
            _ body: (ServerHarness, Store) async throws -> Void
        ) async throws {
            let parsed = rules.isEmpty ? [] : try RuleLoader.parse("rules:\n" + rules.joined(), file: "inline.yaml")
            let server = try await ServerHarness { c in
                c.dataDirectory = directory
                c.alerts.rules = parsed
                c.alerts.notifiers = notifiers
                c.alerts.stateInterval = 0.2
            }
            try await body(server, Store(reader: StoreReader(directory: directory + "/store")))
            try await server.stop()
        }

        /// The store of a fixed data directory (the harness's own reader looks at its temporary one).
        struct Store {
            let reader: StoreReader
            func count() throws -> Int64 { try reader.count() }
            func query(_ filter: String, limit: Int = 10_000) throws -> [AuditEvent] {
                try reader.query(try Filter.parse(filter), limit: limit, now: .now()).events.map(\.event)
            }
        }

        static let threshold = """
              - name: five_failures
                filter: 'action:login_failed'
                group_by: [ip]
                threshold: {count: 5, window: 1h}

            """

        @Test func windowStateSurvivesARestart() async throws {
            let directory = TestSupport.temporaryDirectory("vigil-alert-restart")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let lines = Array(Self.bruteForce(ip: "198.51.100.4").prefix(5))
            try await Self.runServer(directory: directory, rules: [Self.threshold]) { server, store in
                try server.send(Array(lines.prefix(3)), to: server.tcpAddress)
                #expect(await TestSupport.waitUntil { ((try? store.count()) ?? 0) == 3 })
            }
            let state = try String(contentsOfFile: directory + "/alerts/state.json", encoding: .utf8)
            #expect(state.contains("198.51.100.4"), "three failures are in the saved window")
            try await Self.runServer(directory: directory, rules: [Self.threshold]) { server, store in
                try server.send(Array(lines.suffix(2)), to: server.tcpAddress)
                #expect(await TestSupport.waitUntil { ((try? store.query("action:alert")) ?? []).count == 1 })
                let alert = try #require(try store.query("action:alert").first)
                #expect(alert.attrs["count"] == 5)
                #expect(alert.attrs["event_ids"]?.arrayValue?.count == 5)
            }
        }

        /// How long storing `n` events takes, from the first byte sent to the last event queryable.
        static func timeToStore(_ server: ServerHarness, _ store: Store, _ n: Int, trigger: Bool) async throws -> Duration {
            let before = try store.count()
            let lines = (0..<n).map { i in
                #"{"user":"u\#(i % 50)","action":"\#(trigger && i % 10 == 0 ? "trigger" : "view")","n":\#(i)}"#
            }
            let start = ContinuousClock.now
            try server.send(lines, to: server.tcpAddress)
            let done = await TestSupport.waitUntil(timeout: .seconds(60), interval: .milliseconds(5)) {
                ((try? store.count()) ?? 0) >= before + Int64(n + (trigger ? n / 10 : 0))
            }
            #expect(done)
            return ContinuousClock.now - start
        }

        @Test func aHangingNotifierDoesNotDelayStorage() async throws {
            let n = 5_000
            let baseDirectory = TestSupport.temporaryDirectory("vigil-alert-base")
            let hangDirectory = TestSupport.temporaryDirectory("vigil-alert-hang")
            defer {
                try? FileManager.default.removeItem(atPath: baseDirectory)
                try? FileManager.default.removeItem(atPath: hangDirectory)
            }
            let match = "  - {name: every_trigger, filter: 'action:trigger', notify: [stuck, failing]}\n"
            var baseline = Duration.zero
            try await Self.runServer(directory: baseDirectory, rules: []) { server, store in
                _ = try await Self.timeToStore(server, store, 500, trigger: false)
                baseline = try await Self.timeToStore(server, store, n, trigger: false)
            }
            var hanging = Duration.zero
            let notifiers: [VigilConfiguration.Alerts.Notifier] = [
                .init(name: "stuck", kind: "command", options: ["command": ["/bin/sleep", "120"], "timeout": "5s"],
                      policy: .init(retries: 0, queueCapacity: 50)),
                .init(name: "failing", kind: "webhook", options: ["url": .string("http://127.0.0.1:\(TestSupport.freePort())/")],
                      policy: .init(retries: 3, backoff: 0.05)),
            ]
            var alerts = 0
            try await Self.runServer(directory: hangDirectory, rules: [match], notifiers: notifiers) { server, store in
                _ = try await Self.timeToStore(server, store, 500, trigger: false)
                hanging = try await Self.timeToStore(server, store, n, trigger: true)
                alerts = try store.query("action:alert", limit: 100_000).count
            }
            print("stored \(n) events: \(baseline) without alerts, \(hanging) with \(alerts) alerts to a hanging and a failing notifier")
            #expect(alerts == n / 10, "every alert is stored although no notifier delivers")
            #expect(hanging < baseline * 3 + .seconds(2), "baseline \(baseline), with a hanging notifier \(hanging)")
        }

        @Test func rulesTestReplaysABruteForceOffline() throws {
            let input = Data(Self.bruteForce().joined(separator: "\n").utf8)
            let result = try TestSupport.runData(
                DaemonProcess.binary, ["rules", "test", Self.packPath, "-o", "json"], input: input)
            #expect(result.status == 0)
            let alerts = String(decoding: result.output, as: UTF8.self).split(separator: "\n").compactMap {
                try? JSONParser.parse(Array($0.utf8))
            }
            let perIP = alerts.filter { $0["rule"] == "failed_logins_per_ip" && $0["summary"] == nil }
            #expect(perIP.count == 1)
            #expect(perIP.first?["count"] == 5)
            #expect(perIP.first?["group"] == "ip=203.0.113.9")
            #expect(perIP.first?["time"] == .string(Timestamp(microseconds: 1_795_428_018_000_000).rfc3339))
            #expect(perIP.first?["message"]?.stringValue?.contains("203.0.113.9") == true)
            let summary = alerts.first { $0["rule"] == "failed_logins_per_ip" && $0["summary"] == .bool(true) }
            #expect(summary?["suppressed"] == 7)

            let bad = TestSupport.temporaryDirectory("vigil-bad-rule")
            defer { try? FileManager.default.removeItem(atPath: bad) }
            try "rules:\n  - name: x\n    treshold: {count: 5}\n".write(toFile: bad + "/x.yaml", atomically: true, encoding: .utf8)
            let failed = try TestSupport.run(DaemonProcess.binary, ["rules", "test", bad], input: Data())
            #expect(failed.status == 1)
            #expect(failed.output.contains("x.yaml:3:"), "\(failed.output)")
            #expect(failed.output.contains("rules[0].treshold: unknown key (did you mean 'threshold'?)"), "\(failed.output)")
        }
    }
}
