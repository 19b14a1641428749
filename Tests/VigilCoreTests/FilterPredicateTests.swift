import Testing
import VigilCore

@Suite struct FilterPredicateTests {
    static let now =
        Timestamp(year: 2026, month: 1, day: 10, hour: 12, minute: 0, second: 0) ?? Timestamp(microseconds: 0)

    /// john.smith raised customer CUST-12345's credit limit from 192.0.2.10 via the API.
    static let event: AuditEvent = {
        var e = AuditEvent(
            time: now.adding(microseconds: -3_600_000_000), received: now, source: "gw", action: "update")
        e.kind = "api"
        e.actor = "john.smith"
        e.entityType = "customer"
        e.entityID = "CUST-12345"
        e.entityName = "Acme Corp"
        e.outcome = "failure"
        e.ip = "192.0.2.10"
        e.status = 503
        e.durationMS = 1.75
        e.message = "Credit LIMIT changed"
        e.attrs = ["records": 1500, "flag": true, "ratio": .double(2.0), "name": "x", "none": .null,
                   "syslog": ["facility": "auth"]]
        e.changes = [AuditEvent.Change(field: "credit_limit", old: 1000, new: 5000)]
        e.hash = [0xAB, 0xCD]
        return e
    }()

    @Test(arguments: [
        ("action:login_failed", ["login_failed"]),
        ("action:(export or download) attrs.records >= 1000", ["export", "download"]),
        ("entity_type:job (action:(job_missed or job_overrun) or (action:job_end outcome:failure))",
         ["job_missed", "job_overrun", "job_end"]),
        ("action:(a or b) action:c", ["c"]),
        ("action:login* outcome:success", nil),
        ("action:login or actor:bob", nil),
        ("not action:view", nil),
        ("kind:web", nil),
    ] as [(String, [String]?)])
    func requiredActionsBoundWhatCanMatch(filter: String, expected: [String]?) throws {
        let predicate = try Filter.parse(filter).predicate(now: Self.now)
        #expect(predicate.requiredActions == expected.map(Set.init))
        // Whatever the bound says, an event with another action never matches.
        if let actions = predicate.requiredActions {
            var other = Self.event
            other.action = "not_" + (actions.first ?? "")
            #expect(!predicate.matches(other))
        }
    }

    private func matches(_ text: String, _ event: AuditEvent = event) throws -> Bool {
        try Filter.parse(text).predicate(now: Self.now).matches(event)
    }

    @Test(arguments: [
        "", "actor:john.smith", "action:(update or delete)", "entity:customer/CUST-12345", "entity:customer",
        "entity:*/CUST-*", "ip:192.0.2.0/24", "ip:::ffff:192.0.2.0/120", "ip:192.0.2.10", "not outcome:success",
        "attrs.records >= 1000 and kind:api", "status >= 500 since:2h \"credit limit\"", "actor:john*",
        "actor:*smith", "actor:j*.s*h", "actor:*", "attrs.syslog.facility:auth", "attrs.records:1500",
        "attrs.records:1.5e3", "attrs.records:15*", "attrs.flag:true", "attrs.flag:tr*", "attrs.ratio:2",
        "attrs.ratio:2*", "attrs.ratio > 1.5", "attrs:*", "changes:*", "hash:abcd", "hash:ab*", "credit",
        "CREDIT", "acme", "cred*mit", "duration_ms > 1.5", "duration_ms:1.75", "status:503", "bytes:* or kind:api",
        "time >= 2026-01-10", "time:2026-01-10", "since:90m", "until:30m", "received:2026-01-10T12:00:00Z",
        "-actor:bob", "NOT actor:bob AND kind:API OR kind:api", "not attrs.none:*", "not attrs.missing:*",
    ])
    func matchingFilters(text: String) throws {
        #expect(try matches(text), "\(text)")
    }

    @Test(arguments: [
        "actor:John.Smith", "actor:john", "actor:j?hn.smith", "action:(create or delete)", "entity:order/CUST-12345",
        "ip:10.0.0.0/8", "ip:192.0.2.1", "outcome:success", "attrs.records < 1000", "attrs.records:\"abc\"",
        "attrs.flag:false", "attrs.flag:1", "attrs.name:y", "attrs.none:*", "attrs.missing:*", "attrs.syslog:auth",
        "attrs.syslog.facility > 1", "status < 500", "bytes:*", "bytes >= 0", "since:30m", "until:2h",
        "hash:ABCD", "prev_hash:*", "limited", "\"credit  limit\"", "not kind:api", "time:2026-01-09",
        "duration_ms:1.7", "status > 503", "session:*", "actor:\"john\\*\"",
    ])
    func nonMatchingFilters(text: String) throws {
        #expect(try !matches(text), "\(text)")
    }

    @Test func missingFieldsNeverMatchPositiveTermsAndAlwaysMatchNegatedOnes() throws {
        let bare = AuditEvent(time: Self.now, received: Self.now)
        for text in ["actor:*", "actor:bob", "actor:*b*", "status >= 0", "status:*", "attrs.a:*", "attrs.a < 1",
                     "ip:0.0.0.0/0", "ip:::/0", "entity:x/y", "changes:*", "hash:*"] {
            #expect(try !matches(text, bare), "\(text)")
            #expect(try matches("not \(text)", bare), "not \(text)")
        }
    }

    @Test func fullTextFoldsASCIIOnly() throws {
        var e = AuditEvent(time: Self.now, received: Self.now)
        e.message = "Änderung gespeichert"
        #expect(try matches("änderung", e) == false)
        #expect(try matches("Änderung", e))
        #expect(try matches("GESPEICHERT", e))
        #expect(try matches("\"\"", e))
    }

    @Test func comparesUTF8BytesNotCanonicalEquivalence() throws {
        var e = AuditEvent(time: Self.now, received: Self.now)
        e.actor = "e\u{301}lodie"
        #expect(try !matches("actor:\u{E9}lodie", e))
        #expect(try matches("actor:e\u{301}lodie", e))
        #expect(try matches("actor:e*lodie", e))
    }

    @Test func unparsableAddressesAreNotInAnyNetwork() throws {
        var e = AuditEvent(time: Self.now, received: Self.now)
        e.ip = "not-an-ip"
        #expect(try !matches("ip:0.0.0.0/0", e))
        #expect(try matches("ip:not-*", e))
    }

    @Test func callAsFunctionMatchesLikeMatches() throws {
        let predicate = try Filter.parse("kind:api").predicate(now: Self.now)
        #expect(predicate(Self.event))
    }
}
