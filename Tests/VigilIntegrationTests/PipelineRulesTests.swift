import Foundation
import Synchronization
import Testing
import VigilCore
import VigilServer
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// Redaction, drop rules and parsers written only in config, through the real daemon.
    @Suite struct PipelineRulesTests {
        static let secrets = ["hunter2", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl", "4111 1111 1111 1111", "s3cr3t-t0ken-value-1234567890"]

        @Test func secretsNeverReachTheStoreTheStreamOrExports() async throws {
            let h = try await ServerHarness()
            // Follow the live stream over HTTP while the secrets are sent.
            let streamed = Mutex<String>("")
            let client = try #require(HTTPClient(url: h.httpURL, dataDirectory: h.directory))
            let follower = Thread {
                _ = try? client.request(method: "GET", path: "/api/v1/tail") { bytes in
                    streamed.withLock { $0 += String(decoding: bytes, as: UTF8.self) }
                    if streamed.withLock({ $0.contains("bob-done") }) { throw CancellationError() }
                }
            }
            follower.start()
            _ = await TestSupport.waitUntil { h.server.ports["http"] != nil }
            try await Task.sleep(for: .milliseconds(300))
            let lines = [
                #"{"user":"bob","action":"login","url":"/login?user=bob&password=hunter2"}"#,
                #"{"user":"bob","action":"request","headers":{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl"}}"#,
                #"{"user":"bob","action":"update","entity_type":"customer","changes":[{"field":"password","old":"hunter2","new":"x"}]}"#,
                #"{"user":"bob","action":"purchase","message":"paid with 4111 1111 1111 1111"}"#,
                #"{"user":"bob","action":"create","entity_type":"api_key","api_key":"s3cr3t-t0ken-value-1234567890"}"#,
                "<13>1 2026-11-22T10:00:00Z web app - - - GET /x?token=s3cr3t-t0ken-value-1234567890 password=hunter2",
                #"{"user":"bob","action":"logout","message":"bob-done"}"#,
            ]
            try h.send(lines, to: h.tcpAddress)
            #expect(try await h.waitForCount(7) == 7)
            _ = await TestSupport.waitUntil { streamed.withLock { $0.contains("bob-done") } }
            let events = try h.query("")
            let stored = events.map(\.jsonString).joined(separator: "\n")
            let csv = events.map(EventFormatter.csvRow).joined(separator: "\n")
            let (_, api) = try client.fetch(path: "/api/v1/events?limit=100")
            let stream = streamed.withLock { $0 }
            #expect(stream.contains("bob-done"))
            for secret in Self.secrets {
                #expect(!stored.contains(secret), "store holds \(secret)")
                #expect(!csv.contains(secret), "CSV holds \(secret)")
                #expect(!String(decoding: api, as: UTF8.self).contains(secret), "API holds \(secret)")
                #expect(!stream.contains(secret), "stream holds \(secret)")
            }
            #expect(stored.contains("************1111"))
            try await h.stop()
        }

        @Test func dropRulesKeepNoiseOutAndCountIt() async throws {
            let h = try await ServerHarness { $0.drop = [("views", "action:view")] }
            try h.send([#"{"user":"a","action":"view"}"#, #"{"user":"a","action":"update"}"#, #"{"user":"b","action":"view"}"#], to: h.tcpAddress)
            _ = await TestSupport.waitUntil { h.server.sink.droppedCount == 2 }
            #expect(try await h.waitForCount(1) == 1)
            #expect(try h.query("").map(\.action) == ["update"])
            #expect(h.server.sink.droppedCount == 2)
            try await h.stop()
        }

        @Test func aParserWrittenOnlyInConfigHandlesACustomApplicationLog() async throws {
            let yaml = """
                routes:
                  - app: "billing"
                    parser: pattern
                    require_parser: true
                    kind: app
                parsers:
                  pattern:
                    rules:
                      - name: billing
                        regex: '^(?<ts>\\S+) user=(?<actor>\\S+) op=(?<action>\\w+) invoice=(?<entity_id>\\d+) amount=(?<attrs.amount>[0-9.]+)$'
                        time: {field: ts, format: rfc3339}
                        fields: {entity_type: invoice, category: billing}
                        map: {action: {VOID: delete, ISSUE: create}}
                """
            let parsed = try ConfigurationLoader.parse(yaml, file: "inline.yaml")
            let h = try await ServerHarness {
                $0.routes = parsed.routes
                $0.parsers = parsed.parsers
            }
            try h.send([
                "<14>1 2026-11-22T10:00:05Z erp billing - - - 2026-11-20T08:30:00Z user=carol op=VOID invoice=1042 amount=99.50",
                "<14>1 2026-11-22T10:00:06Z erp billing - - - this is not a billing line",
            ], to: h.tcpAddress)
            #expect(try await h.waitForCount(2) == 2)
            let event = try #require(try h.query("entity:invoice/1042").first)
            #expect(event.actor == "carol")
            #expect(event.action == "delete")
            #expect(event.category == "billing")
            #expect(event.kind == "app")
            #expect(event.time == Timestamp.parse("2026-11-20T08:30:00Z"))
            #expect(event.attrs["amount"]?.scalarText == "99.50")
            let unparsed = try #require(try h.query("action:unparsed").first)
            #expect(unparsed.error?.isEmpty == false)
            #expect(unparsed.raw?.contains("not a billing line") == true)
            try await h.stop()
        }
    }
}
