/// Field access by JSON name, shared by the filter language, templates and exports.
extension AuditEvent {
    /// The kinds of top-level fields, which decide how a filter compares them.
    public enum FieldType: Sendable {
        case text
        case number
        case time
        case structured
    }

    /// Top-level fields a filter may name (plus `attrs.PATH` and the `entity` shorthand).
    public static let fieldTypes: [String: FieldType] = {
        var types: [String: FieldType] = [:]
        for name in fieldNames { types[name] = .text }
        types["time"] = .time
        types["received"] = .time
        types["status"] = .number
        types["duration_ms"] = .number
        types["bytes"] = .number
        types["changes"] = .structured
        types["attrs"] = .structured
        return types
    }()

    /// The value of a field by its JSON name (`actor`, `status`, `attrs.records`, `attrs.syslog.facility`,
    /// `changes.field`), or `nil` when the event has none. Times are RFC 3339 strings.
    public func value(forField name: String) -> JSONValue? {
        switch name {
        case "id": return .string(id.description)
        case "time": return .string(time.rfc3339)
        case "received": return .string(received.rfc3339)
        case "source": return .string(source)
        case "kind": return kind.map(JSONValue.string)
        case "host": return host.map(JSONValue.string)
        case "app": return app.map(JSONValue.string)
        case "actor": return actor.map(JSONValue.string)
        case "actor_id": return actorID.map(JSONValue.string)
        case "actor_role": return actorRole.map(JSONValue.string)
        case "actor_type": return actorType.map(JSONValue.string)
        case "impersonator": return impersonator.map(JSONValue.string)
        case "session": return session.map(JSONValue.string)
        case "action": return .string(action)
        case "category": return category.map(JSONValue.string)
        case "entity_type": return entityType.map(JSONValue.string)
        case "entity_id": return entityID.map(JSONValue.string)
        case "entity_name": return entityName.map(JSONValue.string)
        case "outcome": return outcome.map(JSONValue.string)
        case "severity": return severity.map(JSONValue.string)
        case "ip": return ip.map(JSONValue.string)
        case "user_agent": return userAgent.map(JSONValue.string)
        case "method": return method.map(JSONValue.string)
        case "url": return url.map(JSONValue.string)
        case "status": return status.map { .int(Int64($0)) }
        case "duration_ms": return durationMS.map(JSONValue.double)
        case "bytes": return bytes.map(JSONValue.int)
        case "message": return message.map(JSONValue.string)
        case "raw": return raw.map(JSONValue.string)
        case "error": return error.map(JSONValue.string)
        case "changes": return changes.isEmpty ? nil : AuditEvent.changesJSON(changes)
        case "attrs": return attrs.isEmpty ? nil : .object(attrs)
        default:
            if name.hasPrefix("attrs.") {
                return JSONValue.object(attrs).value(atPath: name.dropFirst(6))
            }
            return nil
        }
    }
}
