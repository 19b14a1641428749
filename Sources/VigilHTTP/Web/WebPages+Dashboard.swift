import Foundation
import VigilCore

extension WebPages {
    static func dashboard(_ d: WebData.Dashboard) -> String {
        var h = HTML()
        h.element("h1", "Dashboard")
        h.raw("<div class=\"cards\">")
        card(&h, "events today (UTC)", "\(d.today)", id: "stat-today")
        card(&h, "events in 7 days", "\(d.week)", id: "stat-week")
        card(&h, "events in 30 days", "\(d.month)", id: "stat-month")
        card(&h, "store on disk", HTML.bytes(d.storeBytes), id: "stat-store")
        card(&h, "archive on disk", HTML.bytes(d.archiveBytes), id: "stat-archive")
        h.raw("</div>")
        h.element("h2", "Events per day, last 30 days (UTC)")
        h.raw(chart(d.perDay))
        h.raw("<div class=\"grid2\"><div>")
        h.element("h2", "Events by kind (30 days)")
        countTable(&h, d.byKind, id: "by-kind", link: { "/ui/events?kind=\(HTML.urlEncode($0))" })
        h.raw("</div><div id=\"recent-alerts\">")
        h.element("h2", "Recent high-severity alerts")
        h.raw("<table><thead><tr><th>Time</th><th>Rule</th><th>Severity</th><th>Message</th></tr></thead><tbody>")
        for stored in d.alerts {
            let e = stored.event
            h.raw("<tr><td><a class=\"event-link\" href=\"/ui/events/\(HTML.urlEncode(e.id.description))\">\(HTML.timeCell(e.time))</a></td>")
            h.element("td", e.attrs["rule"]?.scalarText ?? e.entityID)
            h.element("td", e.severity, attributes: "class=\"sev-\(HTML.escape(e.severity ?? ""))\"")
            h.element("td", e.message)
            h.raw("</tr>")
        }
        if d.alerts.isEmpty { h.raw("<tr><td colspan=\"4\" class=\"muted\">No high or critical alerts.</td></tr>") }
        h.raw("</tbody></table></div></div>")
        return h.text
    }

    /// Bars, one per day, with the largest count and the first and last dates as labels.
    static func chart(_ days: [(day: Int64, count: Int64)]) -> String {
        let width = 900.0, height = 180.0, bottom = 20.0, left = 50.0
        let peak = max(1, days.map(\.count).max() ?? 1)
        let step = (width - left) / Double(max(days.count, 1))
        var svg = "<svg id=\"events-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" "
        svg += "aria-label=\"events per day\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width)\" y2=\"\(height - bottom)\" stroke=\"#c9ced6\"/>"
        svg += "<text x=\"\(left - 6)\" y=\"12\" text-anchor=\"end\">\(peak)</text>"
        svg += "<text x=\"\(left - 6)\" y=\"\(height - bottom)\" text-anchor=\"end\">0</text>"
        for (i, day) in days.enumerated() {
            let barHeight = (height - bottom - 10) * Double(day.count) / Double(peak)
            let x = left + Double(i) * step + 1
            let date = Timestamp(microseconds: day.day * 86_400_000_000).description.prefix(10)
            svg += "<rect class=\"bar\" x=\"\(String(format: "%.1f", x))\" y=\"\(String(format: "%.1f", height - bottom - barHeight))\" "
            svg += "width=\"\(String(format: "%.1f", max(1, step - 2)))\" height=\"\(String(format: "%.1f", barHeight))\">"
            svg += "<title>\(date): \(day.count)</title></rect>"
            if i == 0 || i == days.count - 1 || i % 7 == 0 {
                svg += "<text x=\"\(String(format: "%.1f", x))\" y=\"\(height - 5)\">\(date.suffix(5))</text>"
            }
        }
        return svg + "</svg>"
    }
}
