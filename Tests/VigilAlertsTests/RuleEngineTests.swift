import Testing
import VigilAlerts
import VigilCore

@Suite struct RuleEngineTests {
    static func failedLogins(suppress: Int64? = nil) throws -> AlertRule {
        try AlertRule(
            name: "failed_logins_per_ip", filter: try Filter.parse("action:login_failed"), groupBy: ["ip"],
            condition: .threshold(count: 5, window: Sample.minutes(10)), suppress: suppress,
            message: "{count} failed logins from {ip} in {window}")
    }

    /// Five events whose first and last are `span` seconds apart.
    static func five(spanning span: Double) -> [AuditEvent] {
        (0..<5).map { Sample.event("login_failed", at: span * Double($0) / 4) }
    }

    @Test(arguments: [(599.0, true), (600.0, true), (601.0, false), (300.0, true)])
    func thresholdWindowEdges(span: Double, fires: Bool) throws {
        let alerts = Sample.replay([try Self.failedLogins()], Self.five(spanning: span))
        #expect(alerts.filter { !$0.isSummary }.count == (fires ? 1 : 0))
        if fires { #expect(alerts.first?.count == 5) }
    }

    @Test func longSlidingWindowCountsOnlyTheEventsStillInsideIt() throws {
        // 150 in 100 s: a steady event a second never gets there (at most 101 in the window), while
        // the window slides past hundreds of old hits; a burst at t=1000 completes it exactly when
        // 49 of its events join the 101 of t=900…1000.
        let rule = try AlertRule(
            name: "busy", filter: try Filter.parse("action:view"), groupBy: [],
            condition: .threshold(count: 150, window: 100_000_000), message: "{count} views")
        var events = (0...1000).map { Sample.event("view", at: Double($0)) }
        events += (0..<60).map { _ in Sample.event("view", at: 1000) }
        let alerts = Sample.replay([rule], events).filter { !$0.isSummary }
        #expect(alerts.count == 1)
        #expect(alerts.first?.count == 150)
        #expect(alerts.first?.time == Sample.time(1000))
    }

    @Test func bruteForceRaisesOneAlertPerSuppressionWindowNamingIPAndCount() throws {
        // 40 failed logins from one IP in 3 minutes, then 40 more 15 minutes later.
        var events = (0..<40).map { Sample.event("login_failed", at: Double($0) * 4.5, actor: "user\($0 % 9)", ip: "203.0.113.9") }
        events += (0..<40).map { Sample.event("login_failed", at: 900 + Double($0) * 4.5, actor: "x", ip: "203.0.113.9") }
        let alerts = Sample.replay([try Self.failedLogins()], events, until: 3600)
        let raised = alerts.filter { !$0.isSummary }
        #expect(raised.count == 2)
        #expect(raised.map(\.time) == [Sample.time(18), Sample.time(918)])
        for alert in raised {
            #expect(alert.count == 5)
            #expect(alert.group == "ip=203.0.113.9")
            #expect(alert.message == "5 failed logins from 203.0.113.9 in 10m")
            #expect(alert.eventIDs.count == 5)
        }
        // Each burst's remaining 35 events would have raised 7 more alerts: summarised once per window.
        let summaries = alerts.filter(\.isSummary)
        #expect(summaries.map(\.suppressed) == [7, 7])
        #expect(summaries.map(\.count) == [35, 35])
        #expect(summaries.first?.time == Sample.time(18 + 600))
    }

    @Test func groupsAreSeparate() throws {
        let events = (0..<5).map { Sample.event("login_failed", at: Double($0), ip: "10.0.0.\($0 % 2)") }
            + (5..<10).map { Sample.event("login_failed", at: Double($0), ip: "10.0.0.\($0 % 2)") }
        let alerts = Sample.replay([try Self.failedLogins()], events)
        #expect(Set(alerts.map(\.group)) == ["ip=10.0.0.0", "ip=10.0.0.1"])
    }

    @Test func eventsWithoutTheGroupFieldAreNotCounted() throws {
        let events = (0..<6).map { Sample.event("login_failed", at: Double($0), ip: nil) }
        #expect(Sample.replay([try Self.failedLogins()], events).isEmpty)
    }

    @Test func disabledRulesNeverFire() throws {
        var rule = try Self.failedLogins()
        rule.isEnabled = false
        #expect(Sample.replay([rule], Self.five(spanning: 10)).isEmpty)
    }

    @Test func matchFiresOnEveryEventWithoutSuppression() throws {
        let rule = try AlertRule(name: "admin", severity: "high", filter: try Filter.parse("action:permission_change attrs.role:admin"))
        let events = [
            Sample.event("permission_change", at: 0) { $0.attrs["role"] = "admin" },
            Sample.event("permission_change", at: 1) { $0.attrs["role"] = "viewer" },
            Sample.event("permission_change", at: 2) { $0.attrs["role"] = "admin" },
        ]
        let alerts = Sample.replay([rule], events)
        #expect(alerts.count == 2)
        #expect(alerts.allSatisfy { $0.severity == "high" && $0.count == 1 })
    }

    @Test func distinctCountsValuesPerGroup() throws {
        let rule = try AlertRule(
            name: "many_ips", filter: try Filter.parse("action:login"), groupBy: ["actor"],
            condition: .distinct(field: try #require(EventField("ip")), count: 3, window: Sample.minutes(60)),
            message: "{actor}: {values}")
        let same = (0..<5).map { Sample.event("login", at: Double($0) * 60, ip: "192.0.2.1") }
        #expect(Sample.replay([rule], same).isEmpty)
        let three = ["192.0.2.1", "198.51.100.2", "203.0.113.3"].enumerated().map {
            Sample.event("login", at: Double($0.offset) * 600, ip: $0.element)
        }
        let alerts = Sample.replay([rule], three)
        #expect(alerts.count == 1)
        #expect(alerts.first?.message == "alice: 192.0.2.1, 198.51.100.2, 203.0.113.3")
        // The same three spread over more than the window do not fire.
        let spread = three.enumerated().map { i, e in Sample.event("login", at: Double(i) * 1900, ip: e.ip) }
        #expect(Sample.replay([rule], spread).isEmpty)
    }

    static func bruteForceSucceeded() throws -> AlertRule {
        try AlertRule(
            name: "brute_force_succeeded", groupBy: ["ip"],
            condition: .sequence(
                steps: [AlertRule.Step(filter: try Filter.parse("action:login_failed"), count: 3),
                        AlertRule.Step(filter: try Filter.parse("action:login outcome:success"))],
                window: Sample.minutes(10)))
    }

    @Test func sequenceNeedsItsStepsInOrderWithinTheWindow() throws {
        let rule = try Self.bruteForceSucceeded()
        let failures = (0..<3).map { Sample.event("login_failed", at: Double($0) * 10) }
        let inOrder = Sample.replay([rule], failures + [Sample.event("login", at: 60)])
        #expect(inOrder.count == 1)
        #expect(inOrder.first?.count == 4)
        // Success first, failures after: nothing.
        #expect(Sample.replay([rule], [Sample.event("login", at: 0)] + failures.map {
            Sample.event("login_failed", at: $0.time.seconds - Sample.time(0).seconds + 5)
        }).isEmpty)
        // The success comes after the window.
        #expect(Sample.replay([rule], failures + [Sample.event("login", at: 700)]).isEmpty)
        // Another address's success does not complete this one's sequence.
        #expect(Sample.replay([rule], failures + [Sample.event("login", at: 60, ip: "198.51.100.1")]).isEmpty)
    }

    @Test func absenceFiresOnceWhenAGroupFallsSilent() throws {
        let rule = try AlertRule(
            name: "backup_silent", filter: try Filter.parse("action:job_end entity_id:backup"),
            condition: .absence(interval: Sample.minutes(60)))
        var engine = RuleEngine(rules: [rule], start: Sample.time(0))
        #expect(engine.advance(to: Sample.time(3599)).isEmpty)
        let first = engine.advance(to: Sample.time(3600))
        #expect(first.count == 1)
        #expect(engine.advance(to: Sample.time(7200)).isEmpty, "one alert per silence")
        _ = engine.process(Sample.event("job_end", at: 7300) { $0.entityID = "backup" })
        #expect(engine.advance(to: Sample.time(7300 + 3599)).isEmpty)
        #expect(engine.advance(to: Sample.time(7300 + 3600)).count == 1)
    }

    @Test func scheduleCountsOnlyEventsInsideItsLocalWindows() throws {
        // Europe/Berlin is UTC+1 in November. Weekday nights 22:00–06:00 and all weekend.
        let schedule = try RuleSchedule(
            zoneName: "Europe/Berlin",
            windows: [RuleSchedule.Window(days: try RuleSchedule.days(["mon-fri"]), from: 22 * 3600, to: 6 * 3600),
                      RuleSchedule.Window(days: try RuleSchedule.days(["sat", "sun"]))])
        let rule = try AlertRule(name: "after_hours", filter: try Filter.parse("action:login"), schedule: schedule)
        // Sample.base is Monday 10:00Z = 11:00 local.
        let cases: [(Double, Bool)] = [
            (0, false),                      // Mon 11:00
            (11 * 3600 - 1, false),          // Mon 21:59:59
            (11 * 3600, true),               // Mon 22:00
            (19 * 3600 - 1, true),           // Tue 05:59:59 (Monday's night)
            (19 * 3600, false),              // Tue 06:00
            (4 * 86400 + 13 * 3600, true),   // Sat 00:00 (Friday's night)
            (5 * 86400 + 12 * 3600, true),   // Sat 23:00
            (6 * 86400 + 13 * 3600 + 1, false),  // Mon 00:00:01 belongs to Monday, whose night starts at 22:00
        ]
        for (seconds, expected) in cases {
            #expect(schedule.contains(Sample.time(seconds)) == expected, "at +\(seconds)s")
        }
        let alerts = Sample.replay([rule], cases.map { Sample.event("login", at: $0.0) })
        #expect(alerts.count == cases.filter(\.1).count)
    }

    @Test func alertEventCarriesRuleGroupCountAndEventIDs() throws {
        let alert = try #require(Sample.replay([try Self.failedLogins()], Self.five(spanning: 60)).first)
        let event = alert.event
        #expect(event.kind == "system")
        #expect(event.action == "alert")
        #expect(event.severity == "medium")
        #expect(event.attrs["rule"] == "failed_logins_per_ip")
        #expect(event.attrs["group"] == "ip=192.0.2.7")
        #expect(event.attrs["count"] == 5)
        #expect(event.attrs["event_ids"]?.arrayValue?.count == 5)
        #expect(Alert(event: event)?.rule == alert.rule)
        // Alerts are not fed back into rules.
        var engine = RuleEngine(rules: [try AlertRule(name: "all")], start: Sample.time(0))
        #expect(engine.process(event).isEmpty)
    }

    @Test func stateSurvivesASnapshotRoundTrip() throws {
        let rules = [try Self.failedLogins(), try Self.bruteForceSucceeded()]
        var before = RuleEngine(rules: rules, start: Sample.time(0))
        for i in 0..<3 { _ = before.process(Sample.event("login_failed", at: Double(i))) }
        var writer = JSONWriter()
        writer.write(before.snapshot(at: Sample.time(10)))
        let saved = try JSONParser.parse(writer.bytes)

        var after = RuleEngine(rules: rules, start: Sample.time(20))
        #expect(after.restore(saved) == 2)
        #expect(after.process(Sample.event("login_failed", at: 30)).isEmpty)
        let fired = after.process(Sample.event("login_failed", at: 40))
        #expect(fired.map(\.rule) == ["failed_logins_per_ip"])
        #expect(after.process(Sample.event("login", at: 50)).map(\.rule) == ["brute_force_succeeded"])

        // A changed rule starts empty.
        let changed = try AlertRule(
            name: "failed_logins_per_ip", filter: try Filter.parse("action:login_failed"), groupBy: ["ip"],
            condition: .threshold(count: 6, window: Sample.minutes(10)))
        var other = RuleEngine(rules: [changed], start: Sample.time(20))
        #expect(other.restore(saved) == 0)
    }

    @Test func messagesRenderPlaceholders() throws {
        let rule = try AlertRule(
            name: "export", severity: "high", filter: try Filter.parse("action:export attrs.records >= 1000"),
            message: "{actor} exported {attrs.records} {entity_type} records from {ip} at {time} ({rule}, {severity}, {host})")
        let event = Sample.event("export", at: 0) {
            $0.attrs["records"] = 5000
            $0.entityType = "customer"
        }
        let alerts = Sample.replay([rule], [event, Sample.event("export", at: 1) { $0.attrs["records"] = 10 }])
        #expect(alerts.map(\.message) == [
            "alice exported 5000 customer records from 192.0.2.7 at 2026-11-23T10:00:00.000000Z (export, high, -)"
        ])
        #expect(throws: AlertError.self) { try AlertRule(name: "bad", message: "{nope}") }
        #expect(throws: AlertError.self) { try AlertRule(name: "bad", message: "{actor") }
    }
}
