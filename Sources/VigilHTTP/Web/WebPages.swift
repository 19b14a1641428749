import Foundation
import VigilCore
import VigilStore

/// The HTML of each page (server-rendered; the script only swaps result tables and shows local times).
enum WebPages {
    // MARK: Activity log

    static func activity(_ filter: ActivityFilter, page: EventPage?, error: String?) -> String {
        var h = HTML()
        h.element("h1", "Activity log")
        h.raw("<form id=\"filter-form\" class=\"filters\" method=\"get\" action=\"/ui/events\">")
        let labels = [
            ("actor", "Actor (or System)"), ("action", "Action"), ("category", "Category"), ("entity_type", "Entity type"),
            ("entity_id", "Entity id"), ("outcome", "Outcome"),
        ]
        for (name, label) in labels {
            h.raw("<label>\(label)<input name=\"\(name)\" value=\"\(HTML.escape(filter.values[name] ?? ""))\"")
            if name == "outcome" { h.raw(" list=\"outcomes\"") }
            h.raw("></label>")
        }
        h.raw("<datalist id=\"outcomes\"><option value=\"success\"><option value=\"failure\"><option value=\"unknown\"></datalist>")
        h.raw("<label>From (UTC)<input type=\"datetime-local\" name=\"from\" value=\"\(HTML.escape(filter.from ?? ""))\"></label>")
        h.raw("<label>To (UTC)<input type=\"datetime-local\" name=\"to\" value=\"\(HTML.escape(filter.to ?? ""))\"></label>")
        h.raw("<label>Text<input name=\"text\" value=\"\(HTML.escape(filter.text ?? ""))\"></label>")
        h.raw("<label class=\"wide\">Filter language<input name=\"q\" placeholder=\"attrs.records >= 1000 and kind:api\" value=\"\(HTML.escape(filter.raw ?? ""))\"></label>")
        h.raw("<div class=\"toolbar wide\"><button id=\"apply\" class=\"primary\" type=\"submit\">Apply</button>")
        h.link("/ui/events", "Clear")
        h.raw("</div></form><div id=\"results\">")
        h.raw(activityResults(filter, page: page, error: error))
        h.raw("</div>")
        return h.text
    }

    /// The part of the activity log that the filter bar replaces.
    static func activityResults(_ filter: ActivityFilter, page: EventPage?, error: String?) -> String {
        var h = HTML()
        if let error { h.element("div", error, attributes: "class=\"error\"") }
        let text = filter.filterText
        h.raw("<div class=\"toolbar\"><span class=\"muted\">Filter: <code id=\"effective-filter\">")
        h.escaped(text.isEmpty ? "(everything)" : text)
        h.raw("</code></span>")
        let q = HTML.urlEncode(text)
        h.link("/api/v1/export?format=csv&q=\(q)", "Export CSV", attributes: "id=\"export-csv\" class=\"button\"")
        h.link("/api/v1/export?format=jsonl&q=\(q)", "Export JSONL", attributes: "id=\"export-jsonl\" class=\"button\"")
        h.raw("</div>")
        if let page {
            h.raw(eventTable(page.events, id: "events-table"))
            if let next = page.nextCursor {
                let query = HTML.query(filter.queryPairs + [("before", next)])
                h.link("/ui/events?\(query)", "Older →", attributes: "id=\"next-page\" class=\"button\"")
            }
        }
        return h.text
    }

    static func eventTable(_ events: [StoredEvent], id: String) -> String {
        var h = HTML()
        h.raw("<table id=\"\(id)\"><thead><tr><th>Time (UTC / local)</th><th>Actor</th><th>Action</th><th>Category</th>")
        h.raw("<th>Entity</th><th>IP</th><th>Outcome</th><th>Source</th></tr></thead><tbody>")
        for stored in events {
            let e = stored.event
            let id = e.id.description
            h.raw("<tr class=\"event-row\" data-id=\"\(HTML.escape(id))\"><td>")
            h.raw("<a class=\"event-link\" href=\"/ui/events/\(HTML.urlEncode(id))\">\(HTML.timeCell(e.time))</a></td><td>")
            if let actor = e.actor {
                h.link("/ui/actors/\(HTML.urlEncode(actor))", actor == "system" || e.actorType == "system" ? "System" : actor)
            } else {
                h.raw("<span class=\"muted\">System</span>")
            }
            h.raw("</td>")
            h.element("td", e.action)
            h.element("td", e.category)
            h.raw("<td>")
            h.raw(entityCell(e))
            h.raw("</td>")
            h.element("td", e.ip)
            h.element("td", e.outcome, attributes: "class=\"outcome-\(HTML.escape(e.outcome ?? ""))\"")
            h.element("td", e.source)
            h.raw("</tr>")
        }
        if events.isEmpty { h.raw("<tr><td colspan=\"8\" class=\"muted\">No events match.</td></tr>") }
        h.raw("</tbody></table>")
        return h.text
    }

    static func entityCell(_ e: AuditEvent) -> String {
        guard let type = e.entityType else { return "" }
        var h = HTML()
        let label = [type, e.entityName, e.entityID.map { "#" + $0 }].compactMap { $0 }.joined(separator: " ")
        if let id = e.entityID {
            h.link("/ui/entities/\(HTML.urlEncode(type))/\(HTML.urlEncode(id))", label)
        } else {
            h.escaped(label)
        }
        return h.text
    }

    // MARK: Event detail

    static func eventDetail(_ stored: StoredEvent, related: [(String, [StoredEvent])]) -> String {
        let e = stored.event
        var h = HTML()
        h.element("h1", "\(e.action) \(e.entityType.map { "of " + $0 } ?? "") \(e.entityName ?? e.entityID ?? "")")
        var filter: [String] = []
        if let type = e.entityType, let id = e.entityID { filter.append("entity:\(HTML.filterValue(type))/\(HTML.filterValue(id))") }
        if let actor = e.actor { filter.append("actor:\(HTML.filterValue(actor))") }
        filter.append("action:\(HTML.filterValue(e.action))")
        let filterText = filter.joined(separator: " ")
        h.raw("<div class=\"toolbar\"><button id=\"copy-filter\" type=\"button\" data-filter=\"\(HTML.escape(filterText))\">Copy as filter</button>")
        h.link("/ui/events?q=\(HTML.urlEncode(filterText))", "Show similar events")
        h.raw("</div>")
        if !e.changes.isEmpty {
            h.element("h2", "Changes")
            h.raw("<table id=\"changes-table\"><thead><tr><th>Field</th><th>Old</th><th>New</th></tr></thead><tbody>")
            for change in e.changes {
                h.raw("<tr>")
                h.element("td", change.field, attributes: "class=\"field\"")
                h.element("td", HTML.jsonText(change.old), attributes: "class=\"old\"")
                h.element("td", HTML.jsonText(change.new), attributes: "class=\"new\"")
                h.raw("</tr>")
            }
            h.raw("</tbody></table>")
        }
        h.element("h2", "Fields")
        h.raw("<table id=\"fields\"><tbody>")
        for (name, value) in fieldList(e) {
            h.raw("<tr>")
            h.element("th", name)
            if name == "time" || name == "received", let t = Timestamp.parse(value) {
                h.raw("<td>\(HTML.timeCell(t))</td>")
            } else if name == "actor" {
                h.raw("<td>")
                h.link("/ui/actors/\(HTML.urlEncode(value))", value)
                h.raw("</td>")
            } else {
                h.element("td", value)
            }
            h.raw("</tr>")
        }
        h.raw("</tbody></table>")
        if let raw = e.raw {
            h.element("h2", "Raw line")
            h.element("pre", raw, attributes: "id=\"raw\"")
        }
        h.raw("<div id=\"related\">")
        for (label, events) in related {
            h.element("h2", label)
            h.raw(eventTable(events, id: "related-" + label.lowercased().replacingOccurrences(of: " ", with: "-")))
        }
        h.raw("</div>")
        return h.text
    }

    /// Every set field of an event as (name, text), in the event model's order.
    static func fieldList(_ e: AuditEvent) -> [(String, String)] {
        var rows: [(String, String?)] = [
            ("id", e.id.description), ("time", e.time.description), ("received", e.received.description), ("source", e.source),
            ("kind", e.kind), ("host", e.host), ("app", e.app), ("actor", e.actor), ("actor_id", e.actorID),
            ("actor_role", e.actorRole), ("actor_type", e.actorType), ("impersonator", e.impersonator), ("session", e.session),
            ("action", e.action), ("category", e.category), ("entity_type", e.entityType), ("entity_id", e.entityID),
            ("entity_name", e.entityName), ("outcome", e.outcome), ("severity", e.severity), ("ip", e.ip),
            ("user_agent", e.userAgent), ("method", e.method), ("url", e.url), ("status", e.status.map(String.init)),
            ("duration_ms", e.durationMS.map { String($0) }), ("bytes", e.bytes.map(String.init)), ("message", e.message),
            ("error", e.error),
        ]
        for key in e.attrs.keys.sorted() { rows.append(("attrs." + key, HTML.jsonText(e.attrs[key]))) }
        rows.append(("prev_hash", e.prevHash.map(hex)))
        rows.append(("hash", e.hash.map(hex)))
        return rows.compactMap { name, value in value.map { (name, $0) } }
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    // MARK: Entity history

    static func entityHistory(type: String, id: String, at: String?, _ history: WebData.EntityHistory) -> String {
        var h = HTML()
        h.element("h1", "\(type) #\(id)")
        h.raw("<form class=\"toolbar\" method=\"get\"><label>State at (UTC) <input type=\"datetime-local\" name=\"at\" value=\"\(HTML.escape(at ?? ""))\"></label>")
        h.raw("<button class=\"primary\" type=\"submit\">Show</button></form>")
        h.element("h2", at == nil ? "Current state (from recorded changes)" : "State at \(at!) UTC")
        h.raw("<table id=\"state\"><thead><tr><th>Field</th><th>Value</th><th>Since</th><th>Changed by</th></tr></thead><tbody>")
        for row in history.state {
            h.raw("<tr>")
            h.element("td", row.field, attributes: "class=\"field\"")
            h.element("td", HTML.jsonText(row.value), attributes: "class=\"value\"")
            h.raw("<td>\(HTML.timeCell(row.changedAt))</td>")
            h.element("td", row.by)
            h.raw("</tr>")
        }
        if history.state.isEmpty { h.raw("<tr><td colspan=\"4\" class=\"muted\">No recorded changes.</td></tr>") }
        h.raw("</tbody></table>")
        h.element("h2", "History (oldest first)\(history.truncated ? " — first 5,000 events" : "")")
        h.raw("<table id=\"history\"><thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Changes</th><th>IP</th></tr></thead><tbody>")
        for stored in history.events {
            let e = stored.event
            h.raw("<tr class=\"event-row\" data-id=\"\(HTML.escape(e.id.description))\"><td>")
            h.raw("<a class=\"event-link\" href=\"/ui/events/\(HTML.urlEncode(e.id.description))\">\(HTML.timeCell(e.time))</a></td>")
            h.element("td", e.actor)
            h.element("td", e.action)
            h.raw("<td>")
            for change in e.changes {
                h.element("div", "\(change.field): \(HTML.jsonText(change.old)) → \(HTML.jsonText(change.new))")
            }
            h.raw("</td>")
            h.element("td", e.ip)
            h.raw("</tr>")
        }
        h.raw("</tbody></table>")
        return h.text
    }

    // MARK: Actor

    static func actor(_ name: String, since: String, _ s: WebData.ActorSummary) -> String {
        var h = HTML()
        h.element("h1", name)
        h.raw("<form class=\"toolbar\" method=\"get\"><label>Period <select name=\"since\">")
        for option in ["1d", "7d", "30d", "90d", "365d"] {
            h.raw("<option\(option == since ? " selected" : "")>\(option)</option>")
        }
        h.raw("</select></label><button class=\"primary\" type=\"submit\">Show</button>")
        h.link("/ui/events?actor=\(HTML.urlEncode(name))", "All activity")
        h.raw("</form><div class=\"cards\">")
        card(&h, "logins", "\(s.logins)")
        card(&h, "failed logins", "\(s.failedLogins)")
        card(&h, "password changes", "\(s.passwordChanges)")
        card(&h, "average session", s.averageSessionSeconds.map(duration) ?? "–")
        h.raw("</div><div class=\"grid2\"><div>")
        h.element("h2", "By action")
        countTable(&h, s.byAction, id: "by-action", link: { "/ui/events?actor=\(HTML.urlEncode(name))&action=\(HTML.urlEncode($0))" })
        h.raw("</div><div>")
        h.element("h2", "By category")
        countTable(&h, s.byCategory, id: "by-category", link: { "/ui/events?actor=\(HTML.urlEncode(name))&category=\(HTML.urlEncode($0))" })
        h.raw("</div></div>")
        h.element("h2", "Sessions")
        sessionTable(&h, s.sessions, id: "actor-sessions")
        h.element("h2", "Recent activity")
        h.raw(eventTable(s.recent, id: "recent-activity"))
        return h.text
    }

    static func card(_ h: inout HTML, _ label: String, _ value: String, id: String? = nil) {
        h.raw("<div class=\"card\"><div class=\"value\"\(id.map { " id=\"\($0)\"" } ?? "")>")
        h.escaped(value)
        h.raw("</div><div class=\"label\">")
        h.escaped(label)
        h.raw("</div></div>")
    }

    static func countTable(_ h: inout HTML, _ rows: [(String, Int64)], id: String, link: ((String) -> String)? = nil) {
        h.raw("<table id=\"\(id)\"><tbody>")
        for (name, count) in rows {
            h.raw("<tr><td>")
            if let link { h.link(link(name), name) } else { h.escaped(name) }
            h.raw("</td><td class=\"num\">\(count)</td></tr>")
        }
        if rows.isEmpty { h.raw("<tr><td class=\"muted\">None.</td></tr>") }
        h.raw("</tbody></table>")
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(Int(seconds)) s" }
        if seconds < 3600 { return "\(Int(seconds / 60)) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func sessionTable(_ h: inout HTML, _ sessions: [WebData.SessionInfo], id: String) {
        h.raw("<table id=\"\(id)\"><thead><tr><th>User</th><th>IP</th><th>Browser</th><th>Started</th><th>Last activity</th>")
        h.raw("<th>Ended</th><th>Length</th></tr></thead><tbody>")
        for s in sessions {
            h.raw("<tr>")
            h.element("td", s.actor)
            h.element("td", s.ip)
            h.element("td", s.userAgent.map { String($0.prefix(60)) })
            h.raw("<td>\(HTML.timeCell(s.started))</td><td>\(HTML.timeCell(s.lastActivity))</td>")
            h.raw("<td>\(s.ended.map(HTML.timeCell) ?? "<span class=\"muted\">open</span>") \(HTML.escape(s.endedBy ?? ""))</td>")
            h.element("td", s.seconds.map(duration))
            h.raw("</tr>")
        }
        if sessions.isEmpty { h.raw("<tr><td colspan=\"7\" class=\"muted\">None.</td></tr>") }
        h.raw("</tbody></table>")
    }

    // MARK: Authentication

    static func auth(_ events: [StoredEvent], active: [WebData.SessionInfo], next: String?) -> String {
        var h = HTML()
        h.element("h1", "Authentication")
        h.element("h2", "Active sessions")
        sessionTable(&h, active, id: "active-sessions")
        h.element("h2", "Log")
        let lengths = Dictionary(
            WebData.sessions(from: events.map(\.event)).compactMap { s in s.ended.map { ("\(s.actor ?? "")|\($0.microseconds)", s) } },
            uniquingKeysWith: { a, _ in a })
        h.raw("<table id=\"auth-log\"><thead><tr><th>Time</th><th>User</th><th>Event</th><th>Outcome</th><th>IP</th>")
        h.raw("<th>Method</th><th>Session length</th><th>Source</th></tr></thead><tbody>")
        for stored in events {
            let e = stored.event
            h.raw("<tr class=\"event-row\" data-id=\"\(HTML.escape(e.id.description))\">")
            h.raw("<td><a class=\"event-link\" href=\"/ui/events/\(HTML.urlEncode(e.id.description))\">\(HTML.timeCell(e.time))</a></td>")
            h.raw("<td>")
            if let actor = e.actor { h.link("/ui/actors/\(HTML.urlEncode(actor))", actor) }
            h.raw("</td>")
            h.element("td", e.action)
            h.element("td", e.outcome, attributes: "class=\"outcome-\(HTML.escape(e.outcome ?? ""))\"")
            h.element("td", e.ip)
            h.element("td", e.method ?? e.attrs["method"]?.scalarText)
            h.element("td", lengths["\(e.actor ?? "")|\(e.time.microseconds)"]?.seconds.map(duration))
            h.element("td", e.source)
            h.raw("</tr>")
        }
        if events.isEmpty { h.raw("<tr><td colspan=\"8\" class=\"muted\">No authentication events.</td></tr>") }
        h.raw("</tbody></table>")
        if let next { h.link("/ui/auth?before=\(HTML.urlEncode(next))", "Older →", attributes: "id=\"next-page\" class=\"button\"") }
        return h.text
    }

    // MARK: Admin

    static func admin(users: [AccessStore.UserInfo], tokens: [AccessStore.TokenInfo]) -> String {
        var h = HTML()
        h.element("h1", "Admin")
        h.raw("<p class=\"muted\">Users and tokens are managed with <code>vigil user add NAME --role viewer|admin</code> and ")
        h.raw("<code>vigil token create --role viewer|admin</code> on the host. Nothing here edits or deletes events.</p>")
        h.element("h2", "Users")
        h.raw("<table id=\"users\"><thead><tr><th>Name</th><th>Role</th><th>Created</th></tr></thead><tbody>")
        for u in users {
            h.raw("<tr>")
            h.element("td", u.name)
            h.element("td", u.role.rawValue)
            h.element("td", u.created)
            h.raw("</tr>")
        }
        h.raw("</tbody></table>")
        h.element("h2", "API tokens")
        h.raw("<table id=\"tokens\"><thead><tr><th>Name</th><th>Role</th><th>Starts with</th><th>Created</th></tr></thead><tbody>")
        for t in tokens {
            h.raw("<tr>")
            h.element("td", t.name)
            h.element("td", t.role.rawValue)
            h.element("td", t.hint + "…")
            h.element("td", t.created)
            h.raw("</tr>")
        }
        h.raw("</tbody></table>")
        return h.text
    }
}
