import Foundation
import VigilCore
import VigilStore

/// The JSON of the read API beyond `/api/v1/events`: the same data the pages show.
enum APIViews {
    static func event(_ e: AuditEvent) -> JSONValue {
        (try? JSONParser.parse(e.jsonBytes(includeChain: true))) ?? .null
    }

    static func events(_ list: [StoredEvent]) -> JSONValue { .array(list.map { event($0.event) }) }

    static func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.description) } ?? .null }

    static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    static func counts(_ rows: [(String, Int64)]) -> JSONValue {
        .object(Dictionary(rows.map { ($0.0, JSONValue.int($0.1)) }, uniquingKeysWith: { a, _ in a }))
    }

    static func detail(_ stored: StoredEvent, related: [(String, [StoredEvent])]) -> JSONValue {
        var groups: [String: JSONValue] = [:]
        for (label, events) in related {
            let key = label.lowercased().replacingOccurrences(of: "same ", with: "")
            groups[key] = Self.events(events)
        }
        return .object(["event": event(stored.event), "related": .object(groups)])
    }

    static func history(type: String, id: String, at: Timestamp?, _ h: WebData.EntityHistory) -> JSONValue {
        var state: [String: JSONValue] = [:]
        for row in h.state { state[row.field] = row.value ?? .null }
        return .object([
            "entity_type": .string(type), "entity_id": .string(id), "at": time(at), "state": .object(state),
            "events": events(h.events), "truncated": .bool(h.truncated),
        ])
    }

    static func session(_ s: WebData.SessionInfo) -> JSONValue {
        .object([
            "actor": string(s.actor), "session": string(s.session), "ip": string(s.ip), "user_agent": string(s.userAgent),
            "started": time(s.started), "last_activity": time(s.lastActivity), "ended": time(s.ended),
            "ended_by": string(s.endedBy), "seconds": s.seconds.map { .double($0) } ?? .null,
        ])
    }

    static func actor(_ name: String, since: String, _ s: WebData.ActorSummary) -> JSONValue {
        .object([
            "actor": .string(name), "since": .string(since), "by_action": counts(s.byAction),
            "by_category": counts(s.byCategory), "logins": .int(s.logins), "failed_logins": .int(s.failedLogins),
            "password_changes": .int(s.passwordChanges),
            "average_session_seconds": s.averageSessionSeconds.map { .double($0) } ?? .null,
            "sessions": .array(s.sessions.map(session)), "recent": events(s.recent),
        ])
    }

    static func dashboard(_ d: WebData.Dashboard) -> JSONValue {
        .object([
            "today": .int(d.today), "week": .int(d.week), "month": .int(d.month), "by_kind": counts(d.byKind),
            "per_day": .array(d.perDay.map {
                .object(["day": .string(String(Timestamp(microseconds: $0.day * 86_400_000_000).description.prefix(10))),
                         "count": .int($0.count)])
            }),
            "storage_bytes": .object(["store": .int(d.storeBytes), "archive": .int(d.archiveBytes)]),
            "alerts": events(d.alerts),
        ])
    }

    static func encode(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.write(value)
        return w.bytes
    }
}
