import ArgumentParser
import Foundation
import VigilAlerts
import VigilCore
import VigilServer

/// Lines of standard input, read in chunks (a pipe cannot be rewound, so `LineFileReader` does not fit).
final class StandardInputLines {
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false

    func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 10) {
                var line = Array(buffer[start..<newline])
                start = newline + 1
                if line.last == 13 { line.removeLast() }
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return Array(buffer[start...])
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = FileHandle.standardInput.readData(ofLength: 1 << 16)
            if chunk.isEmpty { finished = true } else { buffer += chunk }
        }
    }
}

/// `vigil rules test RULES < events.jsonl`: offline replay of events through rules.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with alert rules.",
        subcommands: [RulesTestCommand.self]
    )
}

struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Replay events (JSON lines on stdin) through rules and print what would fire, and when.",
        discussion: """
            RULES is a rule file or a directory of *.yaml files. Events are JSON objects, one per line, as
            'vigil query -o json' prints them; 'id' and 'received' may be left out. Event times are the clock:
            windows, suppression and absence all follow them, so a day of events replays in a moment.
            Exits with status 1 when a rule file has a mistake (named with its file, line and field).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Rule file or directory.")
    var rules: String

    @Option(name: .shortAndLong, help: "Output: text, or json (one object per alert: rule, group, count, time, message …).")
    var output: Format = .text

    @Flag(name: .long, help: "Do not print summaries of suppressed alerts.")
    var noSummaries = false

    func run() throws {
        let loaded: [AlertRule]
        do {
            loaded = try RuleLoader.load(paths: [rules])
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        var engine: RuleEngine?
        var ids = EventIDGenerator()
        var alerts: [Alert] = []
        var count = 0
        var fired = 0
        var lastSecond = Int64.min
        var last = Timestamp(microseconds: 0)
        var lineNumber = 0
        var failures = 0
        func flush() {
            for alert in alerts where !(noSummaries && alert.isSummary) {
                if !alert.isSummary { fired += 1 }
                print(Self.render(alert, output))
            }
            alerts.removeAll(keepingCapacity: true)
        }
        let input = StandardInputLines()
        while let line = input.next() {
            lineNumber += 1
            guard !line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) else { continue }
            guard var event = Self.event(from: line) else {
                failures += 1
                FileHandle.standardError.write(Data("line \(lineNumber): not an event (a JSON object with 'time')\n".utf8))
                continue
            }
            if event.id == EventID(high: 0, low: 0) { event.id = ids.next(at: event.time) }
            if engine == nil { engine = RuleEngine(rules: loaded, start: event.time) }
            // Time passes with the events: absence rules and summaries are checked once per second of event time.
            let second = event.time.microseconds / 1_000_000
            if second != lastSecond {
                engine?.advance(to: event.time, into: &alerts)
                lastSecond = second
            }
            engine?.process(event, into: &alerts)
            last = max(last, event.time)
            count += 1
            flush()
        }
        if var engine {
            // Whatever is still suppressed is summarised when its window would have ended.
            engine.advance(to: max(last, engine.pendingSummaryTimes().max() ?? last), into: &alerts)
            flush()
        }
        FileHandle.standardError.write(Data("\(count) events, \(loaded.count) rules, \(fired) alerts\n".utf8))
        if failures > 0 { throw ExitCode(1) }
    }

    static func render(_ alert: Alert, _ output: Format) -> String {
        switch output {
        case .json:
            return String(decoding: alert.jsonBytes, as: UTF8.self)
        case .text:
            let group = alert.group.isEmpty ? "" : "  [\(alert.group)]"
            let kind = alert.isSummary ? "summary" : alert.severity
            return "\(alert.time.rfc3339)  \(alert.rule)\(group)  count=\(alert.count)  \(kind)  \(alert.message)"
        }
    }

    /// An event from a JSON line; `id` and `received` are filled in when missing.
    static func event(from line: [UInt8]) -> AuditEvent? {
        guard case .object(var object)? = try? JSONParser.parse(line), let time = object["time"]?.stringValue,
            Timestamp.parse(time) != nil
        else { return nil }
        if object["id"]?.stringValue.flatMap(EventID.init) == nil { object["id"] = .string(EventID(high: 0, low: 0).description) }
        if object["received"] == nil { object["received"] = .string(time) }
        return try? AuditEvent(jsonValue: .object(object))
    }
}
