import Foundation
import Testing
import VigilAlerts
import VigilCore
import VigilServer
import VigilTestSupport

@Suite struct RuleLoaderTests {
    func loadError(_ yaml: String) -> ConfigurationFileError? {
        do {
            _ = try RuleLoader.parse(yaml, file: "rules.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEveryCondition() throws {
        let rules = try RuleLoader.parse(
            """
            rules:
              - name: t
                filter: 'action:login_failed'
                group_by: [actor, ip]
                threshold: {count: 5, window: 10m}
              - name: d
                value_count: {field: ip, count: 3, window: 1h}
                group_by: actor
              - name: s
                sequence:
                  window: 15m
                  steps: [{filter: 'action:login_failed', count: 5}, 'action:login']
              - name: a
                absence: 25h
                enabled: false
              - name: h
                severity: low
                suppress: 0s
                schedule: {time_zone: Europe/Berlin, days: [sat, sun]}
            """, file: "rules.yaml")
        #expect(rules.map(\.name) == ["t", "d", "s", "a", "h"])
        #expect(rules[0].condition == .threshold(count: 5, window: 600_000_000))
        #expect(rules[0].groupBy.map(\.name) == ["actor", "ip"])
        #expect(rules[0].suppress == 600_000_000, "suppression defaults to the window")
        #expect(rules[1].condition.kind == "distinct")
        #expect(rules[2].condition.kind == "sequence")
        #expect(rules[3].condition == .absence(interval: 25 * 3_600_000_000))
        #expect(rules[3].isEnabled == false)
        #expect(rules[4].schedule?.zoneName == "Europe/Berlin")
        #expect(rules[4].severity == "low")
    }

    @Test(arguments: [
        ("rules:\n  - name: x\n    filtr: 'a:b'\n", 3, "rules[0].filtr", "did you mean 'filter'?"),
        ("rules:\n  - name: x\n    filter: 'actor:(john'\n", 3, "rules[0].filter", "expected ')'"),
        ("rules:\n  - name: x\n    threshold: {count: 0, window: 10m}\n", 3, "rules[0].threshold.count", "between 1"),
        ("rules:\n  - name: x\n    group_by: [actr]\n", 3, "rules[0].group_by[0]", "no event has a field 'actr'"),
        ("rules:\n  - name: x\n    message: 'hi {nobody}'\n", 3, "rules[0].message", "unknown placeholder {nobody}"),
        ("rules:\n  - name: x\n    schedule: {time_zone: Mars/Olympus}\n", 3, "rules[0].schedule.time_zone", "unknown time zone"),
        ("rules:\n  - name: x\n    threshold: {count: 2, window: 1m}\n    absence: 1h\n", 4, "rules[0].absence", "one condition"),
        ("rules:\n  - name: x\n    severity: urgent\n", 3, "rules[0].severity", "not one of"),
    ])
    func mistakesNameTheLineAndField(yaml: String, line: Int, field: String, reason: String) throws {
        let error = try #require(loadError(yaml))
        #expect(error.file == "rules.yaml")
        #expect(error.line == line, "\(error)")
        #expect(error.field == field, "\(error)")
        #expect(error.reason.contains(reason), "\(error)")
    }

    @Test func defaultPackLoads() throws {
        let rules = try RuleLoader.load(paths: [TestSupport.repositoryRoot.path + "/Config/rules.d"])
        #expect(rules.count >= 12)
        #expect(Set(rules.map(\.name)).count == rules.count)
    }

    @Test func configurationChecksNotifierNamesAndOptions() throws {
        let dir = TestSupport.temporaryDirectory("vigil-rules")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "rules:\n  - name: r\n    notify: [ops, pager]\n".write(toFile: dir + "/r.yaml", atomically: true, encoding: .utf8)
        let config = """
            alerts:
              rules: [r.yaml]
              notifiers:
                - {name: ops, type: webhook, url: "http://127.0.0.1:9/x"}
            """
        try config.write(toFile: dir + "/vigil.yaml", atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationFileError.self) { try ConfigurationLoader.load(file: dir + "/vigil.yaml") }
        do {
            _ = try ConfigurationLoader.load(file: dir + "/vigil.yaml")
        } catch {
            #expect(error.file == dir + "/r.yaml")
            #expect(error.line == 3)
            #expect(error.field == "rules[0].notify[1]")
        }
        let badOption = """
            alerts:
              notifiers:
                - name: ops
                  type: email
                  smtp: 127.0.0.1:25
                  from: vigil@example.com
                  to: [ops@example.com]
                  tls: ssl
            """
        do {
            _ = try ConfigurationLoader.parse(badOption, file: "v.yaml")
            Issue.record("tls: ssl should be rejected")
        } catch {
            #expect(error.field == "alerts.notifiers[0].tls")
            #expect(error.line == 8)
        }
        let good = config.replacingOccurrences(of: "[ops, pager]", with: "[ops]")
        try good.write(toFile: dir + "/vigil.yaml", atomically: true, encoding: .utf8)
        try "rules:\n  - name: r\n    notify: [ops]\n".write(toFile: dir + "/r.yaml", atomically: true, encoding: .utf8)
        let loaded = try ConfigurationLoader.load(file: dir + "/vigil.yaml")
        #expect(loaded.alerts.rules.map(\.name) == ["r"])
        #expect(loaded.alerts.notifiers.map(\.kind) == ["webhook"])
    }
}
