import Foundation
import VigilCore

/// Maps one JSON object onto an event for ``JSONSourceParser``; tracks which members it used so the
/// rest can go to `attrs`.
struct JSONEventMapper {
    struct Candidate {
        var rank: Int
        var name: String
        var value: JSONValue
    }

    /// The payload's members in order; a name given twice counts as its last value, as in a dictionary.
    let members: [(key: String, value: JSONValue)]
    let timeZone: TimeZone
    /// Per field (by raw value), the members that may fill it, most preferred first.
    private var candidates: [[Candidate]]
    /// Names of members already mapped; a short list, cheaper than hashing every name again.
    private var consumed: [String] = []

    init(members: [String: JSONValue], aliases: JSONAliasTable, timeZone: TimeZone) {
        self.init(members: Array(members), aliases: aliases, timeZone: timeZone)
    }

    init(members: [(key: String, value: JSONValue)], aliases: JSONAliasTable, timeZone: TimeZone) {
        self.members = members
        self.timeZone = timeZone
        var candidates = [[Candidate]](repeating: [], count: JSONEventField.allCases.count)
        for (name, value) in members {
            guard let targets = aliases.lookup(name) else { continue }
            for target in targets {
                let field = target.field.rawValue
                // A repeated name: its last value stands (and a null there leaves the field unset).
                if let earlier = candidates[field].firstIndex(where: { $0.name == name }) {
                    candidates[field].remove(at: earlier)
                }
                if value != .null { candidates[field].append(Candidate(rank: target.rank, name: name, value: value)) }
            }
        }
        for i in candidates.indices where candidates[i].count > 1 { candidates[i].sort { $0.rank < $1.rank } }
        self.candidates = candidates
    }

    private func isConsumed(_ name: String) -> Bool { consumed.contains(name) }

    /// The first alias of `field` whose value `convert` accepts; marks that member used.
    mutating func take<T>(_ field: JSONEventField, _ convert: (JSONValue) -> T?) -> T? {
        for candidate in candidates[field.rawValue] where !isConsumed(candidate.name) {
            guard let result = convert(candidate.value) else { continue }
            consumed.append(candidate.name)
            return result
        }
        return nil
    }

    mutating func fill(_ event: inout AuditEvent) {
        event.actor = take(.actor, Self.text)
        event.actorID = take(.actorID, Self.text)
        event.actorRole = take(.actorRole, Self.text)
        event.actorType = take(.actorType, Self.text)
        event.impersonator = take(.impersonator, Self.text)
        event.session = take(.session, Self.text)
        event.action = take(.action, Self.text) ?? event.action
        event.category = take(.category, Self.text)
        event.entityType = take(.entityType, Self.string)
        event.entityID = take(.entityID, Self.text)
        event.entityName = take(.entityName, Self.text)
        event.outcome = take(.outcome, Self.outcome)
        event.severity = take(.severity, Self.severity)
        event.ip = take(.ip, Self.string)
        event.userAgent = take(.userAgent, Self.string)
        event.method = take(.method, Self.string)
        event.url = take(.url, Self.string)
        event.status = take(.status) { value in value.intValue.flatMap { $0 >= 0 && $0 < 100_000 ? Int($0) : nil } }
        event.bytes = take(.bytes) { value in value.intValue.flatMap { $0 >= 0 ? $0 : nil } }
        event.durationMS = take(.durationMS) { $0.numberValue }
        if event.durationMS == nil, !isConsumed("duration"), let seconds = member("duration")?.numberValue {
            consumed.append("duration")
            event.durationMS = seconds * 1000
        }
        event.message = take(.message, Self.string)
        let zone = timeZone
        if let time = take(.time, { Self.time($0, zone: zone) }) { event.time = time }

        if event.actor == nil, let (name, object) = takeObject(.actor) {
            var nested = NestedObject(object)
            event.actor = nested.text(["name", "username", "login", "email"])
            event.actorID = event.actorID ?? nested.text(["id"])
            event.actorRole = event.actorRole ?? nested.text(["role"])
            event.actorType = event.actorType ?? nested.text(["type"])
            nested.keepRest(as: name, in: &event)
        }
        if event.impersonator == nil, let (name, object) = takeObject(.impersonator) {
            var nested = NestedObject(object)
            event.impersonator = nested.text(["name", "username", "login", "email", "id"])
            nested.keepRest(as: name, in: &event)
        }
        if event.entityType == nil && event.entityID == nil, let (name, object) = takeObject(.entityType) {
            var nested = NestedObject(object)
            event.entityType = nested.text(["type"])
            event.entityID = nested.text(["id"])
            event.entityName = event.entityName ?? nested.text(["name"])
            nested.keepRest(as: name, in: &event)
        }

        if let changes = take(.changes, Self.changes) {
            event.changes = changes
        } else if case let (before, after) = (member("before")?.objectValue, member("after")?.objectValue),
            before != nil || after != nil
        {
            // `after` alone is a creation (old values absent), `before` alone a deletion.
            if before != nil { consumed.append("before") }
            if after != nil { consumed.append("after") }
            event.changes = Self.diff(before: before ?? [:], after: after ?? [:])
        }

        for (name, value) in members where !isConsumed(name) {
            event.attrs[name] = value
        }
    }

    /// The value of the last member called `name`.
    private func member(_ name: String) -> JSONValue? {
        members.last { $0.key == name }?.value
    }

    /// The first alias of `field` holding an object.
    private mutating func takeObject(_ field: JSONEventField) -> (String, [String: JSONValue])? {
        for candidate in candidates[field.rawValue] where !isConsumed(candidate.name) {
            guard let object = candidate.value.objectValue else { continue }
            consumed.append(candidate.name)
            return (candidate.name, object)
        }
        return nil
    }

}

/// A nested object (`user: {name, id}`) being taken apart; what no field used stays in `attrs`.
private struct NestedObject {
    let members: [String: JSONValue]
    var used: Set<String> = []

    init(_ members: [String: JSONValue]) { self.members = members }

    /// The first of `keys` holding text.
    mutating func text(_ keys: [String]) -> String? {
        for key in keys {
            if let value = members[key], let text = JSONEventMapper.text(value) {
                used.insert(key)
                return text
            }
        }
        return nil
    }

    func keepRest(as name: String, in event: inout AuditEvent) {
        let rest = members.filter { !used.contains($0.key) }
        if !rest.isEmpty { event.attrs[name] = .object(rest) }
    }
}
