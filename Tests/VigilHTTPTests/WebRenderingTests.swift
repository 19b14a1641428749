import Testing
import VigilCore

@testable import VigilHTTP

@Suite struct WebRenderingTests {
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
