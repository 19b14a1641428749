import Foundation
import VigilCore
import VigilPipeline

/// The audit log audits its readers: every search, view of an event and export through the API or
/// the UI is itself stored as an event (`kind: system`, `source: vigil-web`), as are UI logins.
struct ReaderAudit: Sendable {
    let sink: PipelineSink

    static let source = "vigil-web"

    func record(
        _ principal: Principal, action: String, ip: String?, userAgent: String?, query: String? = nil,
        entity: (type: String, id: String)? = nil, rows: Int? = nil, outcome: String = Outcome.success, message: String
    ) async {
        let now = Timestamp.now()
        var event = AuditEvent(time: now, received: now, source: Self.source, action: action)
        event.kind = action == "login" || action == "login_failed" || action == "logout" ? "auth" : "system"
        event.app = "vigil"
        event.actor = principal.name
        event.actorRole = principal.role.rawValue
        event.actorType = principal.kind == .user ? "user" : principal.kind == .token ? "api_key" : "service"
        event.outcome = outcome
        event.ip = ip
        event.userAgent = userAgent.map { String($0.prefix(512)) }
        event.category = "audit_log"
        event.severity = outcome == Outcome.failure ? "low" : "info"
        if let entity {
            event.entityType = entity.type
            event.entityID = entity.id
        }
        if let query { event.attrs["query"] = .string(String(query.prefix(2000))) }
        if let rows { event.attrs["rows"] = .int(Int64(rows)) }
        event.message = message
        await sink.submit(events: [event])
    }
}
