import ArgumentParser
import Foundation
import VigilAlerts
import VigilCore
import VigilStore

/// `vigil alerts [FILTER]`: the stored alerts, newest first.
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List stored alerts, newest first.",
        discussion: """
            Alerts are events with action 'alert' (and 'alert_summary' for suppressed ones with --summaries);
            FILTER narrows them, e.g. 'attrs.rule:failed_logins_per_ip since:1d' or 'severity:high'.
            Reads the data directory directly, also while the daemon runs.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "Filter expression over the alert events (empty: every alert).")
    var filter: [String] = []

    @Option(name: .long, help: "Maximum number of alerts.")
    var limit: Int = 100

    @Option(name: .shortAndLong, help: "Output format: table, or json (one alert object per line).")
    var output: Format = .table

    @Flag(name: .long, help: "Include summaries of suppressed alerts.")
    var summaries = false

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let text = filter.joined(separator: " ")
        let parsed: Filter
        do {
            let own = try Filter.parse(text)
            let actions = try Filter.parse(
                "source:\(Alert.source) action:(\(Alert.action)\(summaries ? " or \(Alert.summaryAction)" : ""))")
            parsed = own == .all ? actions : .and([actions, own])
        } catch {
            throw ValidationError("\(error)")
        }
        let configuration = try options.load()
        let reader = StoreReader(directory: configuration.dataDirectory + "/store")
        let page = try reader.query(parsed, limit: limit, now: .now())
        let events = page.events.map(\.event)
        print(render(events), terminator: "")
    }

    func render(_ events: [AuditEvent]) -> String {
        switch output {
        case .json:
            return events.map { event -> String in
                guard let alert = Alert(event: event), case .object(var object) = alert.json else { return "" }
                object["id"] = .string(event.id.description)
                var writer = JSONWriter()
                writer.write(.object(object))
                return writer.string + "\n"
            }.joined()
        case .table:
            guard !events.isEmpty else { return "no alerts\n" }
            let rows = events.compactMap { event -> [String]? in
                guard let alert = Alert(event: event) else { return nil }
                return [
                    EventFormatter.shortTime(alert.time), alert.severity, alert.rule,
                    alert.group.isEmpty ? "-" : alert.group, String(alert.count), EventFormatter.oneLine(alert.message),
                ]
            }
            return AlertTable.render(header: ["TIME", "SEVERITY", "RULE", "GROUP", "COUNT", "MESSAGE"], rows: rows)
        }
    }
}

/// Aligned columns for alert listings; the last column is not padded.
enum AlertTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = min(48, max(widths[i], cell.count)) }
        }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : EventFormatter.pad(String(cell.prefix(48)), widths[i])
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
