import Testing
import VigilAlerts
import VigilCore
import VigilServer
import VigilTestSupport

/// One case per rule of `Config/rules.d`: events that must raise it, and near misses that must not.
@Suite struct DefaultRulePackTests {
    static let rules: [AlertRule] = (try? RuleLoader.load(paths: [TestSupport.repositoryRoot.path + "/Config/rules.d"])) ?? []

    struct Case: Sendable, CustomTestStringConvertible {
        var rule: String
        var fires: [AuditEvent]
        var quiet: [AuditEvent]
        var message: String? = nil
        var testDescription: String { rule }
    }

    static let cases: [Case] = [
        Case(rule: "failed_logins_per_actor",
             fires: (0..<5).map { Sample.event("login_failed", at: Double($0) * 100, actor: "bob", ip: "10.0.0.\($0)") },
             quiet: (0..<5).map { Sample.event("login_failed", at: Double($0) * 200, actor: "bob", ip: "10.0.0.\($0)") },
             message: "5 failed logins for bob within 10m (last from 10.0.0.4)"),
        Case(rule: "failed_logins_per_ip",
             fires: (0..<5).map { Sample.event("login_failed", at: Double($0), actor: "u\($0)", ip: "203.0.113.9") },
             quiet: (0..<4).map { Sample.event("login_failed", at: Double($0), actor: "u\($0)", ip: "203.0.113.9") },
             message: "5 failed logins from 203.0.113.9 within 10m (last for u4)"),
        Case(rule: "brute_force_succeeded",
             fires: (0..<5).map { Sample.event("login_failed", at: Double($0)) } + [Sample.event("login", at: 30)],
             quiet: (0..<4).map { Sample.event("login_failed", at: Double($0)) } + [Sample.event("login", at: 30)]),
        Case(rule: "account_locked",
             fires: [Sample.event("update", at: 0) { $0.attrs["change"] = "lock"; $0.entityID = "carol" }],
             quiet: [Sample.event("update", at: 0) { $0.attrs["change"] = "unlock"; $0.entityID = "carol" }]),
        Case(rule: "login_from_many_ips",
             fires: (0..<3).map { Sample.event("login", at: Double($0) * 600, ip: "198.51.100.\($0)") },
             quiet: (0..<3).map { Sample.event("login", at: Double($0) * 600, ip: "198.51.100.1") }),
        Case(rule: "after_hours_login",
             fires: [Sample.event("login", at: 13 * 3600)],   // Monday 23:00 UTC
             quiet: [Sample.event("login", at: 0), Sample.event("login_failed", at: 13 * 3600)]),
        Case(rule: "permission_escalation",
             fires: [Sample.event("permission_change", at: 0) { $0.attrs["group"] = "sudo"; $0.entityType = "user" }],
             quiet: [Sample.event("permission_change", at: 0) { $0.attrs["group"] = "audio" }]),
        Case(rule: "api_key_created",
             fires: [Sample.event("create", at: 0) { $0.entityType = "api_key"; $0.entityID = "k1" }],
             quiet: [Sample.event("delete", at: 0) { $0.entityType = "api_key" }]),
        Case(rule: "mass_export",
             fires: [Sample.event("export", at: 0) { $0.attrs["records"] = 5000; $0.entityType = "customer" }],
             quiet: [Sample.event("export", at: 0) { $0.attrs["records"] = 999 }],
             message: "alice exported 5000 customer records from 192.0.2.7"),
        Case(rule: "sensitive_data_view",
             fires: [Sample.event("view", at: 0) { $0.entityType = "payment"; $0.entityID = "P-1" }],
             quiet: [Sample.event("view", at: 0) { $0.entityType = "product" }]),
        Case(rule: "job_missed_or_failed",
             fires: [Sample.event("job_end", at: 0, actor: "root", ip: nil, outcome: "failure") {
                        $0.kind = "cron"; $0.entityType = "job"; $0.entityID = "backup"; $0.attrs["exit_code"] = 2
                    },
                    Sample.event("job_missed", at: 10, actor: nil, ip: nil) {
                        $0.kind = "cron"; $0.entityType = "job"; $0.entityID = "report"
                    }],
             quiet: [Sample.event("job_end", at: 0, outcome: "success") { $0.kind = "cron"; $0.entityType = "job"; $0.entityID = "backup" }]),
    ]

    @Test(arguments: cases)
    func ruleFiresOnItsEventsAndNotOnNearMisses(_ c: Case) throws {
        let rule = try #require(Self.rules.first { $0.name == c.rule }, "no rule \(c.rule) in Config/rules.d")
        let fired = Sample.replay([rule], c.fires).filter { !$0.isSummary }
        #expect(fired.count >= 1)
        if let message = c.message { #expect(fired.first?.message == message) }
        #expect(Sample.replay([rule], c.quiet).isEmpty)
    }

    @Test func everyEnabledRuleHasACase() {
        let covered = Set(Self.cases.map(\.rule))
        let missing = Self.rules.filter { $0.isEnabled && !covered.contains($0.name) }.map(\.name)
        #expect(missing.isEmpty)
    }

    @Test func sourceSilentIsDisabledButWorksWhenEnabled() throws {
        var rule = try #require(Self.rules.first { $0.name == "source_silent" })
        #expect(rule.isEnabled == false)
        rule.isEnabled = true
        var engine = RuleEngine(rules: [rule], start: Sample.time(0))
        _ = engine.process(Sample.event("login", at: 0))
        #expect(engine.advance(to: Sample.time(6 * 3600 - 1)).isEmpty)
        #expect(engine.advance(to: Sample.time(6 * 3600)).map(\.message) == ["no events from source test for 6h"])
    }
}
