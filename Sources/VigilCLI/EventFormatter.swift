import VigilCore

/// Renders events for the terminal: aligned tables, CSV, JSON lines, and coloured tail lines.
enum EventFormatter {
    static let tableColumns = ["TIME", "ACTOR", "ACTION", "ENTITY", "OUTCOME", "IP", "SOURCE", "MESSAGE"]

    static func cells(_ e: AuditEvent) -> [String] {
        let entity = [e.entityType, e.entityID ?? e.entityName].compactMap { $0 }.joined(separator: "/")
        return [
            shortTime(e.time), e.actor ?? "-", e.action, entity.isEmpty ? "-" : entity, e.outcome ?? "-", e.ip ?? "-",
            e.source, oneLine(e.message ?? e.error ?? ""),
        ]
    }

    /// `2026-11-22 05:14:23.123` in UTC.
    static func shortTime(_ t: Timestamp) -> String {
        let text = t.rfc3339
        return String(text.prefix(23)).replacingFirst("T", with: " ")
    }

    static func oneLine(_ text: String, max: Int = 120) -> String {
        var out = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        if out.count > max { out = String(out.prefix(max - 1)) + "…" }
        return out
    }

    static func table(_ events: [AuditEvent]) -> String {
        let rows = [tableColumns] + events.map(cells)
        var widths = [Int](repeating: 0, count: tableColumns.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = min(40, max(widths[i], cell.count)) }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : pad(String(cell.prefix(40)), widths[i])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static let csvColumns = [
        "time", "id", "source", "kind", "host", "app", "actor", "action", "category", "entity_type", "entity_id",
        "entity_name", "outcome", "severity", "ip", "method", "url", "status", "message",
    ]

    static func csvHeader() -> String { csvColumns.joined(separator: ",") }

    static func csvRow(_ e: AuditEvent) -> String {
        csvColumns.map { name in csvCell(e.value(forField: name)?.scalarText ?? "") }.joined(separator: ",")
    }

    /// Quotes as RFC 4180 wants and neutralises spreadsheet formulas (`=`, `+`, `-`, `@`).
    static func csvCell(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingAll("\"", with: "\"\"") + "\""
        }
        return value
    }

    /// One aligned line per event for `tail`; coloured when `color` (a terminal).
    static func textLine(_ e: AuditEvent, color: Bool) -> String {
        let entity = [e.entityType, e.entityID ?? e.entityName].compactMap { $0 }.joined(separator: "/")
        let outcome = e.outcome ?? ""
        var parts = [
            shortTime(e.time), pad(e.host ?? "-", 12), pad(e.source, 10), pad(e.actor ?? "-", 16), pad(e.action, 16),
        ]
        if color {
            let code: String
            switch (e.action, outcome, e.severity ?? "") {
            case (AuditEvent.unparsedAction, _, _): code = "35"
            case (_, "failure", _), (_, _, "high"), (_, _, "critical"): code = "31"
            case (_, _, "medium"): code = "33"
            default: code = "32"
            }
            parts[0] = "\u{1B}[2m" + parts[0] + "\u{1B}[0m"
            parts[4] = "\u{1B}[" + code + "m" + parts[4] + "\u{1B}[0m"
        }
        var line = parts.joined(separator: " ")
        if !entity.isEmpty { line += " " + entity }
        if !outcome.isEmpty { line += " " + outcome }
        if let ip = e.ip { line += " " + ip }
        if let message = e.message ?? e.error { line += "  " + oneLine(message, max: 200) }
        return line
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
