import Foundation
import Synchronization
import Testing
import VigilCore
import VigilServer
import VigilTestSupport
@testable import VigilCLI
@testable import VigilStore

extension Integration {
    /// `POST /api/v1/events`: shapes, per-item errors, tokens, limits, and the answer only after commit.
    @Suite struct HTTPIngestTests {
        static func post(
            _ h: ServerHarness, _ body: String, contentType: String? = "application/json", token: String? = nil,
            path: String = "/api/v1/events", timeout: Double = 30
        ) throws -> (status: Int, headers: [String: String], body: String) {
            var client = try #require(HTTPClient(url: h.httpURL))
            client.bearerToken = token
            client.timeout = timeout
            let (response, data) = try client.fetch(method: "POST", path: path, body: Array(body.utf8), contentType: contentType)
            return (response.status, response.headers, String(decoding: data, as: UTF8.self))
        }

        @Test func objectArrayAndNDJSONAreCommittedBeforeTheAnswer() async throws {
            let h = try await ServerHarness()
            let pretty = """
                {
                  "user": "alice",
                  "action": "update",
                  "entity_type": "customer",
                  "entity_id": "C-1"
                }
                """
            var r = try Self.post(h, pretty)
            #expect(r.status == 200)
            #expect(r.body == #"{"accepted":1,"rejected":0}"#)
            // Committed before the answer: readable at once, without waiting.
            #expect(try h.count() == 1)

            r = try Self.post(h, #"[{"user":"bob","action":"view"},{"user":"carol","action":"delete"}, 7]"#)
            #expect(r.status == 200)
            #expect(r.body.contains(#""accepted":2,"rejected":1"#))
            #expect(r.body.contains("element 3 is not a JSON object"))
            #expect(try h.count() == 3)

            let ndjson = #"{"user":"dave","action":"login"}"# + "\n" + "not json\n\n" + #"{"user":"erin","action":"logout"}"# + "\n"
            r = try Self.post(h, ndjson, contentType: "application/x-ndjson")
            #expect(r.status == 200)
            #expect(r.body.contains(#""accepted":2,"rejected":1"#))
            #expect(r.body.contains(#""item":2"#))
            #expect(try h.count() == 5)
            #expect(try h.query("actor:erin").first?.action == "logout")

            // Nothing usable: 400, nothing stored.
            r = try Self.post(h, "[1, 2]")
            #expect(r.status == 400)
            r = try Self.post(h, "[{broken")
            #expect(r.status == 400)
            #expect(try h.count() == 5)

            // Plain text lines are ingested like any listener's lines.
            r = try Self.post(h, "<13>1 2026-11-22T10:00:00Z web app - - - plain line\n", contentType: "text/plain")
            #expect(r.status == 200)
            #expect(try h.query("\"plain line\"").count == 1)
            try await h.stop()
        }

        @Test func tokensNameTheSourceAndRefuseStrangers() async throws {
            let h = try await ServerHarness { config in
                config.http?.tokens = [.init(name: "shop-app", secret: "0123456789abcdef-shop")]
                var route = VigilConfiguration.Route()
                route.listener = "shop-app"
                route.kind = "app"
                route.source = "shop"
                config.routes = [route]
            }
            var r = try Self.post(h, #"{"user":"a","action":"view"}"#)
            #expect(r.status == 401)
            #expect(r.headers["www-authenticate"] == "Bearer")
            r = try Self.post(h, #"{"user":"a","action":"view"}"#, token: "0123456789abcdef-shoq")
            #expect(r.status == 401)
            #expect(try h.count() == 0)
            r = try Self.post(h, #"{"user":"a","action":"view"}"#, token: "0123456789abcdef-shop")
            #expect(r.status == 200)
            let event = try #require(try h.query("actor:a").first)
            #expect(event.source == "shop")
            #expect(event.kind == "app")
            try await h.stop()
        }

        @Test func oversizedBodiesAre413() async throws {
            let h = try await ServerHarness { config in config.http?.maximumBodySize = 4096 }
            let big = "[" + Array(repeating: #"{"user":"x","action":"view"}"#, count: 400).joined(separator: ",") + "]"
            let r = try Self.post(h, big)
            #expect(r.status == 413)
            #expect(try h.count() == 0)
            try await h.stop()
        }

        @Test func aFullQueueIs429WithRetryAfterAndNothingIsLost() async throws {
            let h = try await ServerHarness { config in config.store.queueCapacity = 100 }
            #expect(try Self.post(h, #"{"user":"first","action":"view"}"#).status == 200)
            // Stall the writer: another connection holds the partition's write lock.
            let partition = try #require(
                try FileManager.default.contentsOfDirectory(atPath: h.directory + "/store").first { $0.hasSuffix(".sqlite") })
            let blocker = try SQLiteConnection(path: h.directory + "/store/" + partition)
            try blocker.execute("BEGIN EXCLUSIVE")
            // Fill the queue over TCP (backpressure there): small connections until 100 events wait,
            // whatever the stalled writer already took.
            let sent = DispatchSemaphore(value: 0)
            let stop = Acknowledged()
            Thread {
                var n = 0
                while stop.ids.withLock({ $0.isEmpty }) && n < 10_000 {
                    let lines = (0..<20).map { #"{"user":"tcp","action":"view","n":\#(n + $0)}"# }
                    try? h.send(lines, to: h.tcpAddress)
                    n += 20
                    stop.sent.withLock { $0 = n }
                }
                sent.signal()
            }.start()
            let filled = await TestSupport.waitUntil(timeout: .seconds(20)) { h.server.sink.queue.depth >= 100 }
            var r: (status: Int, headers: [String: String], body: String)?
            if filled { r = try? Self.post(h, #"{"user":"late","action":"view"}"#, timeout: 10) }
            stop.ids.withLock { $0 = ["stop"] }
            try blocker.execute("COMMIT")
            blocker.close()
            #expect(filled)
            #expect(r?.status == 429)
            #expect(r?.headers["retry-after"] == "1")
            // The sender may sit in backpressure until the writer moves on.
            _ = await TestSupport.waitUntil(timeout: .seconds(30)) { sent.wait(timeout: .now()) == .success }
            let total = Int64(stop.sent.withLock { $0 }) + 1
            #expect(try await h.waitForCount(total) == total)
            #expect(try h.query("actor:late").isEmpty)
            try await h.stop()
        }

        /// kill -9 while clients post: every event acknowledged with 2xx is in the store after
        /// restart, and none is stored twice.
        @Test func acknowledgedEventsSurviveKill9() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-kill9")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            let acknowledged = Acknowledged()
            let url = "http://127.0.0.1:\(daemon.http)"
            // Blocking clients on their own threads (not on the cooperative pool the test runs on).
            let finished = DispatchGroup()
            for client in 0..<4 {
                finished.enter()
                Thread {
                    defer { finished.leave() }
                    guard var http = HTTPClient(url: url) else { return }
                    http.timeout = 10
                    for request in 0..<100_000 {
                        let ids = (0..<50).map { "c\(client)-r\(request)-e\($0)" }
                        let body = ids.map { #"{"user":"poster","action":"create","entity_type":"probe","entity_id":"\#($0)"}"# }
                            .joined(separator: "\n")
                        guard let (response, _) = try? http.fetch(
                            method: "POST", path: "/api/v1/events", body: Array(body.utf8), contentType: "application/x-ndjson"),
                            response.status == 200
                        else { return }
                        acknowledged.ids.withLock { $0 += ids }
                    }
                }.start()
            }
            _ = await TestSupport.waitUntil(timeout: .seconds(60)) { acknowledged.ids.withLock { $0.count } >= 20_000 }
            daemon.kill9()
            finished.wait()
            // Restart (recovery), then stop cleanly and read the store.
            try await daemon.start()
            _ = daemon.terminate()
            let reader = StoreReader(directory: dir + "/store")
            var stored: [String: Int] = [:]
            for record in try reader.query(try Filter.parse("entity_type:probe"), limit: 10_000_000, now: .now()).events {
                stored[record.event.entityID ?? "", default: 0] += 1
            }
            let acked = acknowledged.ids.withLock { $0 }
            #expect(acked.count >= 20_000)
            let missing = acked.filter { stored[$0] == nil }
            #expect(missing.isEmpty, "\(missing.count) acknowledged events missing, e.g. \(missing.prefix(3))")
            #expect(stored.values.allSatisfy { $0 == 1 }, "an event was stored twice")
        }
    }
}

/// Ids the daemon acknowledged, shared by the posting tasks.
private final class Acknowledged: Sendable {
    let ids = Mutex<[String]>([])
    let sent = Mutex(0)
}
