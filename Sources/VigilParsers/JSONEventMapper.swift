import Foundation
import VigilCore

/// Maps one JSON object onto an event for ``JSONSourceParser``; tracks which members it used so the
/// rest can go to `attrs`.
struct JSONEventMapper {
    /// A member that may fill a field: its rank among the field's aliases and its index in `members`.
    struct Candidate {
        var field: Int
        var rank: Int
        var member: Int
    }

    /// The payload's members in order; a name given twice counts as its last value, as in a dictionary.
    let members: [(key: String, value: JSONValue)]
    let timeZone: TimeZone
    /// Every member that may fill a field, by field then rank (most preferred first).
    private var candidates: [Candidate] = []
    /// Fields (by raw value) with at least one candidate: most `take`s end on this test.
    private var fieldsWithCandidates: UInt64 = 0
    /// Members already mapped, by index.
    private var consumed = MemberSet()
    /// Members whose name is an alias or special: only they can share a name with a mapped member.
    private var named = MemberSet()
    /// The last member called `duration`, `before` and `after`, if any.
    private var duration: Int?
    private var before: Int?
    private var after: Int?
    /// The member the last successful `take` used.
    private var lastTaken = 0

    init(members: [String: JSONValue], aliases: JSONAliasTable, timeZone: TimeZone) {
        self.init(members: Array(members), aliases: aliases, timeZone: timeZone)
    }

    init(members: [(key: String, value: JSONValue)], aliases: JSONAliasTable, timeZone: TimeZone) {
        self.members = members
        self.timeZone = timeZone
        let targets = aliases.targets
        candidates.reserveCapacity(members.count)
        for (index, member) in members.enumerated() {
            guard let entry = aliases.lookup(member.key) else { continue }
            named.insert(index)
            switch entry.special {
            case .none: break
            case .duration: duration = index
            case .before: before = index
            case .after: after = index
            }
            for target in targets[entry.targets] {
                let field = target.field.rawValue
                // A repeated name: its last value stands (and a null there leaves the field unset).
                if fieldsWithCandidates & (1 << field) != 0,
                    let earlier = candidates.firstIndex(where: { $0.field == field && members[$0.member].key == member.key })
                {
                    candidates.remove(at: earlier)
                }
                if member.value != .null {
                    candidates.append(Candidate(field: field, rank: target.rank, member: index))
                    fieldsWithCandidates |= 1 << field
                }
            }
        }
        if candidates.count > 1 {
            candidates.sort { ($0.field, $0.rank) < ($1.field, $1.rank) }
        }
    }

    /// Whether a member called like member `index` was mapped (a duplicate name shares the fate
    /// of its last occurrence).
    private func isConsumed(_ index: Int) -> Bool {
        if consumed.contains(index) { return true }
        guard named.contains(index), !consumed.isEmpty else { return false }
        let name = members[index].key
        for other in members.indices where consumed.contains(other) && members[other].key == name { return true }
        return false
    }

    /// The first alias of `field` whose value `convert` accepts; marks that member used.
    mutating func take<T>(_ field: JSONEventField, _ convert: (JSONValue) -> T?) -> T? {
        let field = field.rawValue
        guard fieldsWithCandidates & (1 << field) != 0 else { return nil }
        for candidate in candidates where candidate.field == field && !consumed.contains(candidate.member) {
            guard let result = convert(members[candidate.member].value) else { continue }
            consumed.insert(candidate.member)
            lastTaken = candidate.member
            return result
        }
        return nil
    }

    /// The value of a special member not mapped yet; marks it used.
    private mutating func takeSpecial<T>(_ index: Int?, _ convert: (JSONValue) -> T?) -> T? {
        guard let index, !isConsumed(index), let result = convert(members[index].value) else { return nil }
        consumed.insert(index)
        return result
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
        if event.durationMS == nil, let seconds = takeSpecial(duration, \.numberValue) {
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
        } else if before != nil || after != nil {
            // `after` alone is a creation (old values absent), `before` alone a deletion. Each is
            // read only when it holds an object and was not mapped as an alias.
            let old = takeSpecial(before, \.objectValue)
            let new = takeSpecial(after, \.objectValue)
            if old != nil || new != nil { event.changes = Self.diff(before: old ?? [:], after: new ?? [:]) }
        }

        for index in members.indices where !isConsumed(index) {
            event.attrs[members[index].key] = members[index].value
        }
    }

    /// The first alias of `field` holding an object.
    private mutating func takeObject(_ field: JSONEventField) -> (String, [String: JSONValue])? {
        guard let object = take(field, \.objectValue) else { return nil }
        return (members[lastTaken].key, object)
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

/// A set of member indices: a bit mask for the first 64, a list beyond (payloads are rarely that wide).
struct MemberSet {
    private var low: UInt64 = 0
    private var high: [Int] = []

    var isEmpty: Bool { low == 0 && high.isEmpty }

    @inline(__always) func contains(_ index: Int) -> Bool {
        index < 64 ? low & (1 << UInt64(index)) != 0 : high.contains(index)
    }

    @inline(__always) mutating func insert(_ index: Int) {
        if index < 64 {
            low |= 1 << UInt64(index)
        } else if !high.contains(index) {
            high.append(index)
        }
    }
}
