import Foundation
import Testing
import VigilCore
import VigilParsers
import VigilServer
import VigilTestSupport

@Suite struct ConfigurationLoaderTests {
    static func write(_ text: String) throws -> String {
        let path = TestSupport.temporaryDirectory("vigil-config") + "/vigil.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theShippedDefaultIsValid() throws {
        let file = TestSupport.repositoryRoot.appendingPathComponent("Config/vigil.yaml").path
        let configuration = try ConfigurationLoader.load(file: file)
        try ServerBuilder.validate(configuration, file: file)
        #expect(configuration.listeners.map(\.name) == ["udp", "tcp", "unix", "unix-dgram"])
        #expect(configuration.http?.port == 8514)
    }

    @Test(arguments: [
        ("listeners:\n  - name: a\n    type: tcp\n    adress: 1.2.3.4:5\n", 4, "listeners[0].adress", "did you mean 'address'"),
        ("listeners:\n  - type: udp\n    address: nowhere\n", 3, "listeners[0].address", "HOST:PORT"),
        ("store:\n  flush_interval: soon\n", 2, "store.flush_interval", "duration"),
        ("routes:\n  - listener: nope\n", 2, "routes[0].listener", "no listener is named 'nope'"),
        ("routes:\n  - parser: json\n    time_zone: Mars/Base\n", 3, "routes[0].time_zone", "unknown time zone"),
        ("routes:\n  - filter: 'actor:(john'\n", 2, "routes[0].filter", "expected"),
        ("log_level: loud\n", 1, "log_level", "not one of"),
        ("jobs:\n  - name: backup\n    schedule: '61 * * * *'\n", 3, "jobs[0].schedule", "out of range"),
        ("jobs:\n  - name: backup\n    schedule: '0 0 30 2 *'\n", 3, "jobs[0].schedule", "never fires"),
        ("jobs:\n  - name: backup\n    max_intervall: 1h\n", 3, "jobs[0].max_intervall", "did you mean 'max_interval'"),
        ("jobs:\n  - name: backup\n", 2, "jobs[0]", "give a 'schedule'"),
        ("jobs:\n  - name: a\n    max_interval: 1h\n  - name: a\n    max_interval: 2h\n", 4, "jobs[1].name", "another job"),
        ("jobs:\n  - name: a\n    schedule: '@daily'\n    time_zone: Mars/Base\n", 4, "jobs[0].time_zone", "unknown time zone"),
        ("listeners: [\n", nil, "", "not valid YAML"),
    ] as [(String, Int?, String, String)])
    func mistakesNameTheLineAndField(_ text: String, _ line: Int?, _ field: String, _ reason: String) throws {
        let file = try Self.write(text)
        do {
            let configuration = try ConfigurationLoader.load(file: file)
            try ServerBuilder.validate(configuration, file: file)
            Issue.record("accepted: \(text)")
        } catch {
            if let line { #expect(error.line == line, "\(error)") }
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(reason), "\(error)")
            #expect(error.description.hasPrefix(file), "\(error)")
        }
    }

    @Test func jobsAreDeclaredWithScheduleIntervalAndDuration() throws {
        let configuration = try ConfigurationLoader.parse(
            """
            jobs:
              - name: magento-cron
                schedule: "*/3 * * * *"
                time_zone: Europe/Berlin
                grace: 2m
                max_duration: 30m
              - name: backup
                max_interval: 1d
            """, file: "vigil.yaml")
        #expect(configuration.jobs.count == 2)
        #expect(configuration.jobs[0].schedule == "*/3 * * * *")
        #expect(configuration.jobs[0].timeZone == "Europe/Berlin")
        #expect(configuration.jobs[0].grace == 120)
        #expect(configuration.jobs[0].maxDuration == 1800)
        #expect(configuration.jobs[1].maxInterval == 86_400)
        #expect(configuration.jobs[1].schedule == nil)
        #expect(configuration.jobs[1].grace == 300)
    }

    @Test func parserOptionErrorsPointIntoTheFile() throws {
        let file = try Self.write("""
            routes:
              - parser: pattern
            parsers:
              pattern:
                rules:
                  - name: broken
                    regex: '(?<actor>[a-z+'
            """)
        let configuration = try ConfigurationLoader.load(file: file)
        #expect(throws: ConfigurationFileError.self) { try ServerBuilder.validate(configuration, file: file) }
        do {
            try ServerBuilder.validate(configuration, file: file)
        } catch {
            #expect(error.field.hasPrefix("parsers.pattern.rules[0]"), "\(error)")
            #expect(error.line == 6 || error.line == 7, "\(error)")
        }
    }

    @Test func routesMatchOnAppHostAndFilter() throws {
        let file = try Self.write("""
            routes:
              - app: "sshd"
                parser: auth
                kind: auth
              - host: "web-*"
                parser: nginx
              - filter: 'severity:high'
                parser: json
                source: alerts
            """)
        let processor = try ServerBuilder.makeProcessor(try ConfigurationLoader.load(file: file))
        func trace(_ text: String) -> LineProcessor.Trace {
            processor.trace(ReceivedLine(bytes: Array(text.utf8), received: .now(), listener: "udp"))
        }
        let ssh = trace("<38>Nov 22 10:00:00 box sshd[1]: Accepted password for bob from 192.0.2.4 port 22 ssh2")
        #expect(ssh.route.parser == "auth")
        #expect(ssh.event.action == "login")
        let web = trace(#"<190>Nov 22 10:00:00 web-01 nginx: 192.0.2.9 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x""#)
        #expect(web.route.parser == "nginx")
        #expect(web.event.status == 200)
        let high = trace("<11>Nov 22 10:00:00 db app: disk failing")
        #expect(high.event.source == "alerts")
        #expect(trace("<14>Nov 22 10:00:00 db app: fine").isFallback)
    }
}
