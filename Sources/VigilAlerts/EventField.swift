import VigilCore

/// A field of an event named in a rule (`group_by`, `distinct.field`, message placeholders), resolved once
/// to a direct accessor so that reading it per event costs no name lookup.
public struct EventField: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    private let accessor: Accessor

    private enum Accessor: Sendable, Hashable {
        case actor, ip, action, entityType, entityID, entityName, host, app, source, session, kind, outcome
        case severity, userAgent, url, method, message
        case attrs([String])
        case other
    }

    /// - Parameter name: an event field's JSON name (`actor`, `ip`, `status`) or `attrs.PATH`.
    /// - Returns: nil when no event has such a field.
    public init?(_ name: String) {
        self.name = name
        switch name {
        case "actor": accessor = .actor
        case "ip": accessor = .ip
        case "action": accessor = .action
        case "entity_type": accessor = .entityType
        case "entity_id": accessor = .entityID
        case "entity_name": accessor = .entityName
        case "host": accessor = .host
        case "app": accessor = .app
        case "source": accessor = .source
        case "session": accessor = .session
        case "kind": accessor = .kind
        case "outcome": accessor = .outcome
        case "severity": accessor = .severity
        case "user_agent": accessor = .userAgent
        case "url": accessor = .url
        case "method": accessor = .method
        case "message": accessor = .message
        default:
            if name.hasPrefix("attrs.") {
                let path = name.dropFirst(6).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                guard !path.isEmpty, !path.contains("") else { return nil }
                accessor = .attrs(path)
            } else if AuditEvent.fieldTypes[name] != nil, name != "attrs", name != "changes" {
                accessor = .other
            } else {
                return nil
            }
        }
    }

    /// The field's value as text (numbers and booleans rendered), or nil when the event has none.
    public func value(in event: AuditEvent) -> String? {
        switch accessor {
        case .actor: return event.actor
        case .ip: return event.ip
        case .action: return event.action
        case .entityType: return event.entityType
        case .entityID: return event.entityID
        case .entityName: return event.entityName
        case .host: return event.host
        case .app: return event.app
        case .source: return event.source
        case .session: return event.session
        case .kind: return event.kind
        case .outcome: return event.outcome
        case .severity: return event.severity
        case .userAgent: return event.userAgent
        case .url: return event.url
        case .method: return event.method
        case .message: return event.message
        case .attrs(let path):
            guard var current = event.attrs[path[0]] else { return nil }
            for key in path.dropFirst() {
                guard let next = current[key] else { return nil }
                current = next
            }
            return current.scalarText
        case .other: return event.value(forField: name)?.scalarText
        }
    }

    public var description: String { name }
}
