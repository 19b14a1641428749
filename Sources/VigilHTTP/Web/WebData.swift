import Foundation
import VigilCore
import VigilStore

/// What the pages and the JSON API show, computed from the store (no HTML, no JSON here).
struct WebData: Sendable {
    let reader: StoreReader
    let archiveDirectory: String?

    static let authActions = ["login", "logout", "login_failed", "session_expired", "session_terminated"]
    static let authFilterText = "action:(" + authActions.joined(separator: " or ") + ")"
    static let sessionEnds: Set<String> = ["logout", "session_expired", "session_terminated"]

    func filter(_ text: String) throws(FilterError) -> Filter { try Filter.parse(text) }

    // MARK: Entity history

    struct EntityHistory {
        var events: [StoredEvent]
        /// field → value after every change up to `at` (or now).
        var state: [(field: String, value: JSONValue?, changedAt: Timestamp, by: String?)]
        var truncated: Bool
    }

    /// Every event of one entity, oldest first, and its state rebuilt from the before/after values.
    func entityHistory(type: String, id: String, at: Timestamp?, limit: Int = 5000) throws -> EntityHistory {
        var text = "entity_type:\(HTML.filterValue(type)) entity_id:\(HTML.quoted(id))"
        if let at { text += " until:\(HTML.quoted(at.description))" }
        let page = try reader.query(try Filter.parse(text), limit: limit, now: .now())
        let events = Array(page.events.reversed())
        var state: [String: (JSONValue?, Timestamp, String?)] = [:]
        var order: [String] = []
        for stored in events {
            for change in stored.event.changes {
                if state[change.field] == nil { order.append(change.field) }
                state[change.field] = (change.new, stored.event.time, stored.event.actor)
            }
        }
        return EntityHistory(
            events: events, state: order.map { (field: $0, value: state[$0]!.0, changedAt: state[$0]!.1, by: state[$0]!.2) },
            truncated: page.nextCursor != nil)
    }

    // MARK: Sessions

    struct SessionInfo {
        var actor: String?
        var session: String?
        var ip: String?
        var userAgent: String?
        var started: Timestamp
        var ended: Timestamp?
        var endedBy: String?
        var lastActivity: Timestamp

        var seconds: Double? { ended.map { Double($0.microseconds - started.microseconds) / 1e6 } }
    }

    /// Sessions rebuilt from auth events in time order: a login opens one (keyed by session id,
    /// else by actor and ip), a logout, expiry or termination closes it.
    static func sessions(from events: [AuditEvent]) -> [SessionInfo] {
        var open: [String: Int] = [:]
        var all: [SessionInfo] = []
        for event in events.sorted(by: { $0.time < $1.time }) {
            let key = event.session ?? "\(event.actor ?? "")|\(event.ip ?? "")"
            if event.action == "login", event.outcome != Outcome.failure {
                open[key] = all.count
                all.append(SessionInfo(
                    actor: event.actor, session: event.session, ip: event.ip, userAgent: event.userAgent, started: event.time,
                    lastActivity: event.time))
            } else if sessionEnds.contains(event.action), let index = open.removeValue(forKey: key) {
                all[index].ended = event.time
                all[index].endedBy = event.action
                all[index].lastActivity = event.time
            } else if let index = open[key] {
                all[index].lastActivity = max(all[index].lastActivity, event.time)
            }
        }
        return all
    }

    /// Sessions opened in the last `days` and not closed, newest first, with their last activity.
    func activeSessions(days: Int = 7, now: Timestamp = .now()) throws -> [SessionInfo] {
        let page = try reader.query(try Filter.parse(Self.authFilterText + " since:\(days)d"), limit: 20_000, now: now)
        var active = Self.sessions(from: page.events.map(\.event)).filter { $0.ended == nil }
        active.sort { $0.started > $1.started }
        active = Array(active.prefix(200))
        for i in active.indices where active[i].session != nil {
            let recent = try reader.query(try Filter.parse("session:\(HTML.quoted(active[i].session!))"), limit: 1, now: now)
            if let last = recent.events.first?.event.time { active[i].lastActivity = max(active[i].lastActivity, last) }
        }
        return active
    }

    // MARK: Actor summary

    struct ActorSummary {
        var byAction: [(String, Int64)]
        var byCategory: [(String, Int64)]
        var logins: Int64
        var failedLogins: Int64
        var passwordChanges: Int64
        var sessions: [SessionInfo]
        var averageSessionSeconds: Double?
        var recent: [StoredEvent]
    }

    func actorSummary(_ actor: String, since: String) throws -> ActorSummary {
        let now = Timestamp.now()
        let base = "actor:\(HTML.quoted(actor)) since:\(HTML.filterValue(since))"
        let filter = try Filter.parse(base)
        let byAction = try reader.count(filter, by: ["action"], now: now).map { ($0.values[0] ?? "-", $0.count) }
        let byCategory = try reader.count(filter, by: ["category"], now: now).map { ($0.values[0] ?? "-", $0.count) }
        let counts = Dictionary(byAction, uniquingKeysWith: +)
        let auth = try reader.query(try Filter.parse(base + " " + Self.authFilterText), limit: 5000, now: now)
        let sessions = Self.sessions(from: auth.events.map(\.event))
        let lengths = sessions.compactMap(\.seconds)
        let recent = try reader.query(filter, limit: 25, now: now).events
        return ActorSummary(
            byAction: byAction, byCategory: byCategory, logins: counts["login"] ?? 0, failedLogins: counts["login_failed"] ?? 0,
            passwordChanges: counts["password_change"] ?? 0, sessions: Array(sessions.reversed().prefix(50)),
            averageSessionSeconds: lengths.isEmpty ? nil : lengths.reduce(0, +) / Double(lengths.count), recent: recent)
    }

    // MARK: Dashboard

    struct Dashboard {
        var today: Int64
        var week: Int64
        var month: Int64
        var byKind: [(String, Int64)]
        var perDay: [(day: Int64, count: Int64)]
        var storeBytes: Int64
        var archiveBytes: Int64
        var alerts: [StoredEvent]
    }

    /// Counts from the per-hour summaries (UTC days; the week starts 7 days ago, the month 30).
    func dashboard(now: Timestamp = .now()) throws -> Dashboard {
        let day: Int64 = 86_400_000_000
        let todayStart = now.microseconds / day * day
        let monthStart = todayStart - 29 * day
        let weekStart = todayStart - 6 * day
        let rows = try reader.hourlyCounts(from: Timestamp(microseconds: monthStart), to: Timestamp(microseconds: todayStart + day))
        var today: Int64 = 0, week: Int64 = 0, month: Int64 = 0
        var byKind: [String: Int64] = [:]
        var perDay = [Int64](repeating: 0, count: 30)
        for row in rows {
            let start = row.hour * 3_600_000_000
            month += row.count
            if start >= weekStart { week += row.count }
            if start >= todayStart { today += row.count }
            byKind[row.kind ?? "-", default: 0] += row.count
            let index = Int((start - monthStart) / day)
            if perDay.indices.contains(index) { perDay[index] += row.count }
        }
        let alerts = try reader.query(try Filter.parse("action:alert severity:(high or critical)"), limit: 10, now: now).events
        return Dashboard(
            today: today, week: week, month: month, byKind: byKind.sorted { $0.value > $1.value }.map { ($0.key, $0.value) },
            perDay: perDay.enumerated().map { (day: (monthStart + Int64($0.offset) * day) / day, count: $0.element) },
            storeBytes: reader.diskUsage(), archiveBytes: archiveDirectory.map(Self.directorySize) ?? 0, alerts: alerts)
    }

    static func directorySize(_ path: String) -> Int64 {
        guard let names = FileManager.default.subpaths(atPath: path) else { return 0 }
        var total: Int64 = 0
        for name in names {
            var status = stat()
            if stat(path + "/" + name, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { total += Int64(status.st_size) }
        }
        return total
    }

    // MARK: Related events

    /// Same entity, same session, same request (`attrs.request_id`), newest first, without `event` itself.
    func related(_ event: AuditEvent) throws -> [(String, [StoredEvent])] {
        var groups: [(String, String)] = []
        if let type = event.entityType, let id = event.entityID {
            groups.append(("Same entity", "entity_type:\(HTML.filterValue(type)) entity_id:\(HTML.quoted(id))"))
        }
        if let session = event.session { groups.append(("Same session", "session:\(HTML.quoted(session))")) }
        if let request = event.attrs["request_id"]?.scalarText {
            groups.append(("Same request", "attrs.request_id:\(HTML.quoted(request))"))
        }
        return try groups.map { label, text in
            let page = try reader.query(try Filter.parse(text), limit: 21, now: .now())
            return (label, Array(page.events.filter { $0.event.id != event.id }.prefix(20)))
        }
    }
}
