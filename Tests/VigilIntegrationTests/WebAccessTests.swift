import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// The read API and the web UI on a running server: who may read, what they see, and that
    /// every reader is recorded.
    @Suite struct WebAccessTests {
        struct Answer {
            var status: Int
            var body: String
        }

        /// curl, so that cookies, redirects and form posts behave as in a browser.
        static func curl(_ url: String, _ extra: [String] = []) throws -> Answer {
            let result = try TestSupport.run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}"] + extra + [url])
            var lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.removeLast()) ?? 0
            return Answer(status: status, body: lines.joined(separator: "\n"))
        }

        static func get(_ h: ServerHarness, _ path: String, token: String?) throws -> Answer {
            try curl(h.httpURL + path, token.map { ["-H", "Authorization: Bearer \($0)"] } ?? [])
        }

        static func access(_ h: ServerHarness) throws -> AccessStore {
            try AccessStore(directory: AccessStore.directory(dataDirectory: h.directory))
        }

        static func post(_ h: ServerHarness, _ json: String) throws {
            var client = try #require(HTTPClient(url: h.httpURL))
            client.timeout = 30
            let (response, _) = try client.fetch(method: "POST", path: "/api/v1/events", body: Array(json.utf8), contentType: "application/json")
            #expect(response.status == 200)
        }

        @Test func withoutATokenTheAPIAndTheUIRefuse() async throws {
            let h = try await ServerHarness()
            for path in ["/api/v1/events", "/api/v1/events?q=actor:x", "/api/v1/export?format=csv", "/api/v1/dashboard",
                         "/api/v1/tail", "/api/v1/entities/customer/1/history", "/api/v1/sessions"] {
                let answer = try Self.get(h, path, token: nil)
                #expect(answer.status == 401, "\(path): \(answer.status)")
                #expect(try Self.get(h, path, token: "vgl_not-a-token").status == 401, "\(path)")
            }
            let page = try Self.get(h, "/ui/events?actor=jane", token: nil)
            #expect(page.status == 401)
            #expect(page.body.contains("id=\"login-form\""))
            #expect(!page.body.contains("events-table"))
            #expect(try Self.get(h, "/healthz", token: nil).status == 200)
            // Ingest stays open on loopback when no ingest token is configured.
            try Self.post(h, #"{"user":"jane","action":"view"}"#)
        }

        @Test func aViewerCannotReachAdminPagesAndLoginsAreCookies() async throws {
            let h = try await ServerHarness()
            let access = try Self.access(h)
            try access.addUser("alice", password: "viewer-password-1", role: .viewer)
            let viewerToken = try access.createToken(name: "viewer-ci", role: .viewer)
            let adminToken = try access.createToken(name: "admin-ci", role: .admin)
            #expect(try Self.get(h, "/ui/admin", token: viewerToken).status == 403)
            #expect(try Self.curl(h.httpURL + "/api/v1/archive/rotate", ["-X", "POST", "-H", "Authorization: Bearer \(viewerToken)"]).status == 403)
            #expect(try Self.get(h, "/ui/admin", token: adminToken).status == 200)
            #expect(try Self.get(h, "/ui/admin", token: adminToken).body.contains("viewer-ci"))

            let jar = TestSupport.temporaryDirectory("vigil-cookies") + "/jar"
            let wrong = try Self.curl(h.httpURL + "/login", ["-c", jar, "-d", "username=alice", "-d", "password=wrong-password"])
            #expect(wrong.status == 401)
            #expect(wrong.body.contains("Wrong user name or password"))
            let login = try Self.curl(h.httpURL + "/login", ["-c", jar, "-d", "username=alice", "-d", "password=viewer-password-1", "-d", "next=/ui/events"])
            #expect(login.status == 303)
            let cookies = try String(contentsOfFile: jar, encoding: .utf8)
            #expect(cookies.contains("vigil_session"))
            #expect(cookies.contains("#HttpOnly_"))
            #expect(try Self.curl(h.httpURL + "/ui/dashboard", ["-b", jar]).status == 200)
            #expect(try Self.curl(h.httpURL + "/ui/admin", ["-b", jar]).status == 403)
            #expect(try Self.curl(h.httpURL + "/api/v1/whoami", ["-b", jar]).body.contains(#""name":"alice""#))
            _ = try Self.curl(h.httpURL + "/logout", ["-b", jar, "-c", jar, "-X", "POST"])
            #expect(try Self.curl(h.httpURL + "/ui/dashboard", ["-b", jar]).status == 401)

            // Failed and successful UI logins are audit events themselves.
            _ = try await h.waitForCount(4)
            let auth = try h.query("source:vigil-web action:(login or login_failed or logout)")
            #expect(Set(auth.map(\.action)) == ["login", "login_failed", "logout"])
            #expect(auth.allSatisfy { $0.actor == "alice" && $0.ip == "127.0.0.1" })
        }

        /// The README's walk-through: who changed the client's email, from where, and what was it before?
        @Test func whoChangedTheClientsEmail() async throws {
            let h = try await ServerHarness()
            let token = try Self.access(h).createToken(name: "auditor", role: .viewer)
            try Self.post(h, """
                [{"time":"2026-11-03T08:00:00Z","user":"sam","action":"create","entity_type":"customer","entity_id":"CUST-12345","entity_name":"ACME Ltd","after":{"email":"first@acme.example","credit_limit":1000}},
                 {"time":"2026-11-20T14:02:11Z","user":"jane.doe","action":"update","entity_type":"customer","entity_id":"CUST-12345","entity_name":"ACME Ltd","ip":"203.0.113.9","session":"sess-9","before":{"email":"first@acme.example"},"after":{"email":"billing@acme.example"}},
                 {"time":"2026-11-21T09:00:00Z","user":"sam","action":"update","entity_type":"customer","entity_id":"CUST-99999","before":{"email":"x@y.example"},"after":{"email":"z@y.example"}},
                 {"time":"2026-11-22T10:00:00Z","user":"sam","action":"view","entity_type":"customer","entity_id":"CUST-12345"}]
                """)
            let found = try Self.get(h, "/api/v1/events?q=" + "entity:customer/CUST-12345 action:update".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, token: token)
            #expect(found.status == 200)
            let events = try #require(try JSONParser.parse(found.body)["events"]?.arrayValue)
            #expect(events.count == 1)
            #expect(events.first?["actor"]?.stringValue == "jane.doe")
            #expect(events.first?["ip"]?.stringValue == "203.0.113.9")
            #expect(events.first?["changes"]?.arrayValue?.first?["old"]?.stringValue == "first@acme.example")

            let now = try JSONParser.parse(try Self.get(h, "/api/v1/entities/customer/CUST-12345/history", token: token).body)
            #expect(now["state"]?["email"]?.stringValue == "billing@acme.example")
            #expect(now["state"]?["credit_limit"]?.intValue == 1000)
            #expect(now["events"]?.arrayValue?.count == 3)
            let before = try JSONParser.parse(
                try Self.get(h, "/api/v1/entities/customer/CUST-12345/history?at=2026-11-20T14:00:00Z", token: token).body)
            #expect(before["state"]?["email"]?.stringValue == "first@acme.example")

            let id = try #require(events.first?["id"]?.stringValue)
            let page = try Self.get(h, "/ui/events/\(id)", token: token)
            #expect(page.status == 200)
            #expect(page.body.contains("id=\"changes-table\""))
            #expect(page.body.contains("billing@acme.example"))
            #expect(page.body.contains("Same entity"))
            let history = try Self.get(h, "/ui/entities/customer/CUST-12345", token: token)
            #expect(history.body.contains("billing@acme.example"))
        }

        @Test func hostileFiltersCannotInjectSQL() async throws {
            let h = try await ServerHarness()
            let token = try Self.access(h).createToken(name: "t", role: .viewer)
            try Self.post(h, #"[{"user":"jane","action":"view"},{"user":"bob","action":"delete","entity_type":"customer","entity_id":"7"}]"#)
            let hostile = [
                #"actor:"x' OR '1'='1""#, #"actor:x' OR 1=1 --"#, #"entity_id:"1); DROP TABLE events; --""#,
                #""'; DELETE FROM events; --""#, "actor:* union select * from sqlite_master", #"attrs.a'b:1"#,
                "status >= 1 or 1=1", #"ip:"' or ''='""#, "message:%", "((((((((((actor:x))))))))))", String(repeating: "(", count: 500),
                "entity_type:customer/**/OR/**/1=1", "attrs.x\") OR (1=1:1",
            ]
            for text in hostile {
                let q = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let api = try Self.get(h, "/api/v1/events?q=\(q)", token: token)
                #expect(api.status == 200 || api.status == 400, "\(text): \(api.status) \(api.body.prefix(200))")
                if api.status == 200 {
                    let rows = try JSONParser.parse(api.body)["events"]?.arrayValue ?? []
                    #expect(rows.allSatisfy { $0["source"]?.stringValue == "vigil-web" } || rows.count <= 2, "\(text)")
                    #expect(!rows.contains { $0["actor"]?.stringValue == "jane" } || text.contains("*"), "\(text) matched everything")
                }
                let page = try Self.get(h, "/ui/events?q=\(q)&entity_id=\(q)", token: token)
                #expect(page.status == 200 || page.status == 400, "\(text)")
            }
            // Both events are still there, the table intact.
            #expect(try h.query("source:http").count == 2)
        }

        @Test func readersAreAuditedAndExportsStreamEveryRow() async throws {
            let h = try await ServerHarness()
            let token = try Self.access(h).createToken(name: "exporter", role: .viewer)
            let rows = (0..<3000).map { i in
                #"{"user":"u\#(i % 7)","action":"export","entity_type":"order","entity_id":"O-\#(i)","message":"\#(i == 0 ? "=HYPERLINK(1)" : "row \(i)")"}"#
            }
            try Self.post(h, "[" + rows.joined(separator: ",") + "]")
            let csv = try Self.get(h, "/api/v1/export?format=csv&q=entity_type:order", token: token)
            #expect(csv.status == 200)
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.count == 3001)
            #expect(lines.first?.hasPrefix("id,time,received,source") == true)
            #expect(csv.body.contains("\"'=HYPERLINK(1)\""))
            #expect(!csv.body.contains(",=HYPERLINK"))
            let jsonl = try Self.get(h, "/api/v1/export?format=jsonl&entity_type=order&actor=u3", token: token)
            let objects = jsonl.body.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
            #expect(objects.count == 3000 / 7 + 1)
            #expect(objects.allSatisfy { $0?["actor"]?.stringValue == "u3" })

            let first = try #require(try h.query("entity_type:order", limit: 1).first)
            #expect(try Self.get(h, "/api/v1/events/\(first.id)", token: token).status == 200)
            #expect(try Self.get(h, "/api/v1/events?q=actor:u1", token: token).status == 200)
            #expect(try Self.get(h, "/api/v1/events/01ZZZZZZZZZZZZZZZZZZZZZZZZ", token: token).status == 404)
            let settled = await TestSupport.waitUntil { ((try? h.query("source:vigil-web").count) ?? 0) >= 4 }
            #expect(settled)
            let audit = try h.query("source:vigil-web")
            #expect(audit.allSatisfy { $0.actor == "exporter" && $0.kind == "system" && $0.actorType == "api_key" })
            let exports = audit.filter { $0.action == "export" }
            #expect(exports.count == 2)
            #expect(exports.contains { $0.attrs["rows"]?.intValue == 3000 && $0.attrs["query"]?.stringValue == "entity_type:order" })
            #expect(audit.contains { $0.action == "view" && $0.entityID == first.id.description })
            #expect(audit.contains { $0.action == "search" && $0.attrs["query"]?.stringValue == "actor:u1" })
        }

        @Test func dashboardAuthLogAndActorPagesRender() async throws {
            let h = try await ServerHarness()
            let token = try Self.access(h).createToken(name: "ops", role: .admin)
            let now = Timestamp.now()
            let t = { (s: Int64) in now.adding(microseconds: -s * 1_000_000).description }
            try Self.post(h, """
                [{"time":"\(t(3600))","user":"jane","action":"login","kind":"auth","session":"a1","ip":"198.51.100.4","user_agent":"Firefox"},
                 {"time":"\(t(3000))","user":"jane","action":"update","entity_type":"product","entity_id":"P-1","session":"a1"},
                 {"time":"\(t(1800))","user":"jane","action":"logout","session":"a1"},
                 {"time":"\(t(600))","user":"bob","action":"login","session":"b1","ip":"198.51.100.5"},
                 {"time":"\(t(500))","user":"bob","action":"login_failed","ip":"198.51.100.6"}]
                """)
            let dashboard = try JSONParser.parse(try Self.get(h, "/api/v1/dashboard", token: token).body)
            #expect(dashboard["month"]?.intValue == 5)
            #expect(dashboard["per_day"]?.arrayValue?.count == 30)
            let page = try Self.get(h, "/ui/dashboard", token: token)
            #expect(page.body.contains("<svg id=\"events-chart\""))
            #expect(page.body.contains("id=\"stat-today\""))

            let sessions = try JSONParser.parse(try Self.get(h, "/api/v1/sessions", token: token).body)["sessions"]?.arrayValue ?? []
            #expect(sessions.count == 1)
            #expect(sessions.first?["actor"]?.stringValue == "bob")
            let auth = try Self.get(h, "/ui/auth", token: token)
            #expect(auth.body.contains("id=\"active-sessions\"") && auth.body.contains("login_failed"))
            #expect(auth.body.contains("30 min"))

            let summary = try JSONParser.parse(try Self.get(h, "/api/v1/actors/jane/summary?since=7d", token: token).body)
            #expect(summary["logins"]?.intValue == 1)
            #expect(summary["average_session_seconds"]?.numberValue == 1800)
            #expect(summary["by_action"]?["update"]?.intValue == 1)
            #expect(try Self.get(h, "/ui/actors/jane", token: token).body.contains("by-action"))
        }
    }
}
