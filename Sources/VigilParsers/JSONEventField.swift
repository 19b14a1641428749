/// The event fields the `json` parser fills, by JSON name, with the member names it looks for.
///
/// Aliases are tried in order; the first member present (and not `null`, and of a usable type) wins,
/// and only that member is consumed: the others stay in `attrs`.
enum JSONEventField: Int, CaseIterable, Sendable {
    case actor
    case actorID
    case actorRole
    case actorType
    case impersonator
    case session
    case action
    case category
    case entityType
    case entityID
    case entityName
    case outcome
    case severity
    case ip
    case userAgent
    case method
    case url
    case status
    case durationMS
    case bytes
    case message
    case time
    case changes

    /// The field's JSON name, used in the `aliases` option.
    var jsonName: String {
        switch self {
        case .actorID: return "actor_id"
        case .actorRole: return "actor_role"
        case .actorType: return "actor_type"
        case .entityType: return "entity_type"
        case .entityID: return "entity_id"
        case .entityName: return "entity_name"
        case .userAgent: return "user_agent"
        case .durationMS: return "duration_ms"
        default: return "\(self)"
        }
    }

    init?(jsonName: String) {
        guard let field = JSONEventField.allCases.first(where: { $0.jsonName == jsonName }) else { return nil }
        self = field
    }

    var defaultAliases: [String] {
        switch self {
        case .actor: return ["actor", "user", "username", "user_name", "admin_user", "admin", "login"]
        case .actorID: return ["actor_id", "user_id", "userId", "admin_id"]
        case .actorRole: return ["actor_role", "role", "user_role"]
        case .actorType: return ["actor_type", "user_type"]
        // `acting_as` names the account being used, not the staff member, so it is not an alias here.
        case .impersonator: return ["impersonator", "impersonated_by", "impersonator_name"]
        case .session: return ["session", "session_id", "sid", "sessionId"]
        case .action: return ["action", "event", "event_type", "eventName", "activity"]
        case .category: return ["category", "module", "area"]
        case .entityType: return ["entity_type", "object_type", "resource_type", "model", "entity"]
        case .entityID: return ["entity_id", "object_id", "resource_id", "record_id"]
        case .entityName: return ["entity_name", "object_name", "resource_name"]
        case .outcome: return ["outcome", "result"]
        case .severity: return ["severity", "level"]
        case .ip: return ["ip", "remote_addr", "client_ip", "ip_address", "src_ip", "source_ip"]
        case .userAgent: return ["user_agent", "userAgent", "http_user_agent"]
        case .method: return ["method", "http_method", "request_method"]
        case .url: return ["url", "uri", "path", "request_uri"]
        case .status: return ["status", "status_code", "http_status"]
        case .durationMS: return ["duration_ms", "latency_ms", "elapsed_ms"]
        case .bytes: return ["bytes", "body_bytes_sent", "size"]
        case .message: return ["message", "msg", "description"]
        case .time: return ["time", "timestamp", "ts", "@timestamp", "date", "datetime"]
        case .changes: return ["changes"]
        }
    }
}
