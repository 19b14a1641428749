import Testing
import VigilCore

@testable import VigilHTTP

@Suite struct WebRenderingTests {
    @Test func csvCellsThatASpreadsheetWouldRunAreNeutralised() {
        func cell(_ value: String) -> String {
            var out: [UInt8] = []
            ExportWriter.appendCSV(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(cell("+1+1") == "\"'+1+1\"")
        #expect(cell("-2+3") == "\"'-2+3\"")
        #expect(cell("@SUM(A1)") == "\"'@SUM(A1)\"")
        #expect(cell("\tcmd") == "\"'\tcmd\"")
        #expect(cell("plain") == "plain")
        #expect(cell("a,b") == "\"a,b\"")
        #expect(cell("line\nbreak") == "\"line\nbreak\"")
    }

    @Test func everyEventBecomesOneCSVRowWithItsChanges() {
        var e = AuditEvent(time: Timestamp(microseconds: 1_796_000_000_000_000), received: Timestamp(microseconds: 1_796_000_000_000_000),
                           source: "app", action: "update")
        e.actor = "=evil()"
        e.changes = [.init(field: "email", old: "a@example.com", new: "b@example.com")]
        var out: [UInt8] = []
        ExportWriter.append(e, .csv, to: &out)
        let row = String(decoding: out, as: UTF8.self)
        #expect(row.hasSuffix("\r\n"))
        #expect(row.contains(",\"'=evil()\","))
        #expect(row.contains("b@example.com"))
        let header = String(decoding: ExportWriter.header(.csv), as: UTF8.self)
        #expect(header.split(separator: ",").count == ExportWriter.csvColumns.count)
    }

    @Test func filterBarFieldsBecomeOneFilterThatParses() throws {
        let filter = ActivityFilter(parameters: [
            "actor": "john smith", "action": "update", "entity_type": "customer", "entity_id": "CUST-1",
            "from": "2026-12-01T09:30", "text": "credit \"limit\"", "q": "status >= 500 or attrs.records >= 1000",
        ])
        let text = filter.filterText
        #expect(text == #"actor:"john smith" action:update entity_type:customer entity_id:CUST-1 since:"2026-12-01T09:30:00Z" "credit \"limit\"" (status >= 500 or attrs.records >= 1000)"#)
        _ = try Filter.parse(text)
        #expect(ActivityFilter(parameters: ["actor": "System"]).filterText == "(actor:system or actor_type:system)")
        #expect(ActivityFilter(parameters: [:]).filterText == "")
        // Hostile values stay values: quoting keeps them inside one term.
        let hostile = ActivityFilter(parameters: ["actor": "x\" or actor:*", "entity_id": "1); DROP TABLE events; --"])
        let parsed = try Filter.parse(hostile.filterText)
        #expect(parsed.description.contains("DROP TABLE"))
        #expect(!hostile.filterText.contains(#"" or actor:*"#) || hostile.filterText.contains(#"x\" or actor:*"#))
    }

    @Test func htmlIsEscapedEverywhere() {
        var h = HTML()
        h.element("td", "<script>alert('x')</script>")
        h.link("/ui/events?q=\"><img>", "a&b")
        #expect(h.text == "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td><a href=\"/ui/events?q=&quot;&gt;&lt;img&gt;\">a&amp;b</a>")
    }

    @Test func sessionsAreRebuiltFromLoginsAndLogouts() {
        func event(_ action: String, _ seconds: Int64, session: String?, actor: String = "jane") -> AuditEvent {
            var e = AuditEvent(time: Timestamp(microseconds: seconds * 1_000_000), received: Timestamp(microseconds: seconds * 1_000_000),
                               action: action)
            e.actor = actor
            e.session = session
            e.ip = "192.0.2.1"
            return e
        }
        let sessions = WebData.sessions(from: [
            event("logout", 1_000, session: "s1"), event("login", 100, session: "s1"), event("login", 200, session: "s2"),
            event("login_failed", 150, session: nil, actor: "bob"), event("session_expired", 900, session: "s2"),
            event("login", 950, session: nil, actor: "bob"),
        ])
        #expect(sessions.count == 3)
        #expect(sessions[0].seconds == 900)
        #expect(sessions[1].endedBy == "session_expired")
        #expect(sessions[2].actor == "bob" && sessions[2].ended == nil)
    }
}
