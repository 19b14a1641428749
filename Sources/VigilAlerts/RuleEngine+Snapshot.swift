import VigilCore

/// Saving and restoring window state, so a restart does not forget a window in progress.
///
/// ```json
/// {"version":1,"saved":"2026-11-22T10:00:00Z","rules":{"failed_logins_per_ip":{"fingerprint":"…",
///  "groups":[{"values":["192.0.2.7"],"hits":[[1795341600000000,"01JD…"]],"suppressed_until":…}]}}}
/// ```
///
/// State is kept per rule name together with a fingerprint of the rule's condition; a rule whose
/// definition changed starts empty.
extension RuleEngine {
    /// The state as JSON (see the type's documentation).
    public func snapshot(at now: Timestamp) -> JSONValue {
        var rulesJSON: [String: JSONValue] = [:]
        for (r, rule) in rules.enumerated() where !states[r].isEmpty {
            let groups = states[r].values.map(Self.encode)
            rulesJSON[rule.name] = ["fingerprint": .string(rule.fingerprint), "groups": .array(groups)]
        }
        var snapshot: JSONValue = ["version": 1, "saved": .string(now.rfc3339), "rules": .object(rulesJSON)]
        if latestEventTime != .min, case .object(var object) = snapshot {
            object["latest_event_time"] = .int(latestEventTime)
            snapshot = .object(object)
        }
        return snapshot
    }

    /// Loads state saved by `snapshot(at:)` for the rules that still exist unchanged.
    /// - Returns: the number of groups restored.
    @discardableResult
    public mutating func restore(_ snapshot: JSONValue) -> Int {
        guard snapshot["version"]?.intValue == 1, let saved = snapshot["rules"]?.objectValue else { return 0 }
        var restored = 0
        if let latest = snapshot["latest_event_time"]?.intValue { latestEventTime = max(latestEventTime, latest) }
        for (r, rule) in rules.enumerated() {
            guard let entry = saved[rule.name], entry["fingerprint"]?.stringValue == rule.fingerprint,
                let groups = entry["groups"]?.arrayValue
            else { continue }
            var steps = 0
            if case .sequence(let list, _) = rule.condition { steps = list.count }
            for item in groups {
                guard let group = Self.decode(item, steps: steps), group.values.count == rule.groupBy.count else {
                    continue
                }
                let key = group.values.count == 1 ? group.values[0] : group.values.joined(separator: "\u{1F}")
                states[r][key] = group
                restored += 1
            }
        }
        return restored
    }

    private static func encode(_ group: GroupState) -> JSONValue {
        func hits(_ list: HitWindow) -> JSONValue { .array(list.map { [.int($0.time), .string($0.id.description)] }) }
        var object: [String: JSONValue] = ["values": .array(group.values.map(JSONValue.string))]
        if !group.hits.isEmpty { object["hits"] = hits(group.hits) }
        if !group.distinct.isEmpty { object["distinct"] = .object(group.distinct.mapValues(JSONValue.int)) }
        if group.steps.contains(where: { !$0.isEmpty }) { object["steps"] = .array(group.steps.map(hits)) }
        if group.lastSeen != 0 { object["last_seen"] = .int(group.lastSeen) }
        if group.absenceReported { object["absence_reported"] = true }
        if group.suppressedUntil != .min { object["suppressed_until"] = .int(group.suppressedUntil) }
        if group.suppressed > 0 {
            object["suppressed"] = .int(Int64(group.suppressed))
            object["suppressed_events"] = .int(Int64(group.suppressedEvents))
        }
        if let event = group.lastEvent {
            object["last_event"] = (try? JSONParser.parse(event.jsonBytes(includeChain: false))) ?? .null
        }
        return .object(object)
    }

    private static func decode(_ value: JSONValue, steps: Int) -> GroupState? {
        guard let values = value["values"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
        func hits(_ value: JSONValue?) -> [Hit] {
            (value?.arrayValue ?? []).compactMap { pair in
                guard let t = pair.arrayValue?.first?.intValue, let text = pair.arrayValue?.last?.stringValue,
                    let id = EventID(text)
                else { return nil }
                return Hit(time: t, id: id)
            }
        }
        var group = GroupState(values: values, steps: steps)
        group.hits = HitWindow(hits(value["hits"]))
        group.distinct = (value["distinct"]?.objectValue ?? [:]).compactMapValues(\.intValue)
        if let saved = value["steps"]?.arrayValue, saved.count == steps { group.steps = saved.map { HitWindow(hits($0)) } }
        group.lastSeen = value["last_seen"]?.intValue ?? 0
        group.absenceReported = value["absence_reported"] == .bool(true)
        group.suppressedUntil = value["suppressed_until"]?.intValue ?? .min
        group.suppressed = Int(value["suppressed"]?.intValue ?? 0)
        group.suppressedEvents = Int(value["suppressed_events"]?.intValue ?? 0)
        if let event = value["last_event"], event != .null { group.lastEvent = try? AuditEvent(jsonValue: event) }
        return group
    }
}
