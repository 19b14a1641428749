import VigilCore

/// Evaluates alert rules over events, one at a time, keeping per-rule per-group sliding windows.
///
/// The engine is a value with no clock of its own: windows are measured in event time, and time passing
/// without events (for `absence` rules and for summaries of suppressed alerts) is told with
/// ``advance(to:)``. The daemon calls that from a clock; `vigil rules test` calls it with event times.
public struct RuleEngine: Sendable {
    public let rules: [AlertRule]
    var states: [[String: GroupState]]
    /// Most groups one rule keeps; beyond it, new groups are ignored until old ones expire.
    public let maximumGroups: Int
    /// Events a rule could not count because it already tracked `maximumGroups` groups.
    public private(set) var overflowed = 0
    /// The latest event time seen: windows are forgotten by event time, not by the clock, so events
    /// whose times lag behind the clock (a sender with a slow clock, a backfill) keep their windows.
    var latestEventTime = Int64.min
    /// Which rules an event can match, by its action (rule indices in rule order): a rule whose filter
    /// requires certain actions is listed only under those; `anyAction` holds the rules that can match
    /// whatever the action. Most events then meet a few rules instead of every one.
    let rulesByAction: [String: [Int]]
    let anyAction: [Int]

    /// - Parameters:
    ///   - start: when silence starts counting for `absence` rules without `group_by`.
    public init(rules: [AlertRule], start: Timestamp, maximumGroups: Int = 100_000) {
        self.rules = rules
        self.maximumGroups = maximumGroups
        (rulesByAction, anyAction) = Self.dispatch(rules)
        states = rules.map { rule in
            guard case .absence = rule.condition, rule.groupBy.isEmpty else { return [:] }
            var group = GroupState(values: [])
            group.lastSeen = start.microseconds
            return ["": group]
        }
    }

    /// Groups currently tracked, over all rules.
    public var groupCount: Int { states.reduce(0) { $0 + $1.count } }

    /// Feeds one event; alerts it completes are appended to `alerts`.
    public mutating func process(_ event: AuditEvent, into alerts: inout [Alert]) {
        if event.source == Alert.source { return }
        if event.time.microseconds > latestEventTime { latestEventTime = event.time.microseconds }
        for r in rulesByAction[event.action] ?? anyAction where rules[r].predicate.matches(event) {
            if let schedule = rules[r].schedule, !schedule.contains(event.time) { continue }
            evaluate(r, event, &alerts)
        }
    }

    /// The enabled rules per action they require, each list merged with the rules that need no action.
    static func dispatch(_ rules: [AlertRule]) -> (byAction: [String: [Int]], any: [Int]) {
        var any: [Int] = []
        var specific: [String: [Int]] = [:]
        for (r, rule) in rules.enumerated() where rule.isEnabled {
            if let actions = rule.predicate.requiredActions {
                for action in actions { specific[action, default: []].append(r) }
            } else {
                any.append(r)
            }
        }
        return (specific.mapValues { ($0 + any).sorted() }, any)
    }

    /// Feeds one event and returns the alerts it completes.
    public mutating func process(_ event: AuditEvent) -> [Alert] {
        var alerts: [Alert] = []
        process(event, into: &alerts)
        return alerts
    }

    private mutating func evaluate(_ r: Int, _ event: AuditEvent, _ alerts: inout [Alert]) {
        // A local reference to the rules, so `rules[r]` is read in place while `states` is mutated
        // (through `self` the compiler copies the whole rule): this runs for every matching event.
        let rules = self.rules
        let groupBy = rules[r].groupBy
        let key: String
        var multiple: [String]?
        switch groupBy.count {
        case 0: key = ""
        case 1:
            // An event without a group_by field cannot be attributed to a group.
            guard let value = groupBy[0].value(in: event) else { return }
            key = value
        default:
            var values: [String] = []
            values.reserveCapacity(groupBy.count)
            for field in groupBy {
                guard let value = field.value(in: event) else { return }
                values.append(value)
            }
            key = values.joined(separator: "\u{1F}")
            multiple = values
        }
        var values: [String] { multiple ?? (groupBy.isEmpty ? [] : [key]) }
        if states[r].count >= maximumGroups && states[r][key] == nil {
            forgetIdle(r, at: event.time.microseconds)
            guard states[r].count < maximumGroups else {
                overflowed += 1
                return
            }
        }
        var steps = 0
        if case .sequence(let list, _) = rules[r].condition { steps = list.count }
        let t = event.time.microseconds
        let firing = states[r][key, default: GroupState(values: values, steps: steps)]
            .update(rules[r], event, at: t)
        guard let firing else { return }
        alerts.append(makeAlert(rules[r], values: values, count: firing.count, time: event.time, ids: firing.ids,
                                event: event, distinctValues: firing.values, suppressed: firing.suppressed))
    }

    /// Tells the engine that time has passed: `absence` rules whose interval elapsed fire, summaries of
    /// suppressed alerts whose suppression window ended are emitted, and idle groups are forgotten.
    public mutating func advance(to now: Timestamp, into alerts: inout [Alert]) {
        let t = now.microseconds
        for r in rules.indices where rules[r].isEnabled {
            let rule = rules[r]
            if case .absence(let interval) = rule.condition {
                for key in Array(states[r].keys) {
                    guard var group = states[r][key], !group.absenceReported, t - group.lastSeen >= interval else {
                        continue
                    }
                    group.absenceReported = true
                    states[r][key] = group
                    alerts.append(makeAlert(rule, values: group.values, count: 0, time: now, ids: [],
                                            event: group.lastEvent, distinctValues: [], suppressed: 0))
                }
                continue
            }
            // Only groups with suppressed alerts to summarise are copied out.
            let due = states[r].compactMap { $0.value.suppressed > 0 && t >= $0.value.suppressedUntil ? $0.key : nil }
            for key in due {
                guard var group = states[r][key] else { continue }
                var summary = makeAlert(
                    rule, values: group.values, count: group.suppressedEvents,
                    time: Timestamp(microseconds: max(group.suppressedUntil, 0)), ids: [], event: group.lastEvent,
                    distinctValues: [], suppressed: group.suppressed)
                summary.isSummary = true
                summary.message = "\(rule.name): \(group.suppressed) more alert\(group.suppressed == 1 ? "" : "s") "
                    + "suppressed for \(summary.group.isEmpty ? "all events" : summary.group) "
                    + "(\(group.suppressedEvents) matching events)"
                alerts.append(summary)
                group.suppressed = 0
                group.suppressedEvents = 0
                states[r][key] = group
            }
            forgetIdle(r, at: min(t, latestEventTime))
        }
    }

    /// When the suppression windows that hold suppressed alerts end (so a replay can summarise them).
    public func pendingSummaryTimes() -> [Timestamp] {
        states.flatMap { $0.values.filter { $0.suppressed > 0 }.map { Timestamp(microseconds: $0.suppressedUntil) } }
    }

    /// `advance(to:)` returning the alerts.
    public mutating func advance(to now: Timestamp) -> [Alert] {
        var alerts: [Alert] = []
        advance(to: now, into: &alerts)
        return alerts
    }

    private mutating func forgetIdle(_ r: Int, at t: Int64) {
        // Before any event (e.g. just after a restore) nothing has aged in event time.
        guard t != .min else { return }
        let rule = rules[r]
        if case .absence = rule.condition { return }
        let window = rule.condition.window ?? 0
        // Removed in place: rebuilding the dictionary would copy every live group.
        let idle = states[r].compactMap { $0.value.isIdle(at: t, window: window) ? $0.key : nil }
        for key in idle { states[r].removeValue(forKey: key) }
    }

    func makeAlert(
        _ rule: AlertRule, values: [String], count: Int, time: Timestamp, ids: [EventID], event: AuditEvent?,
        distinctValues: [String], suppressed: Int
    ) -> Alert {
        let fields = zip(rule.groupBy, values).map { (name: $0.name, value: $1) }
        let group = fields.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        let message = rule.message.render(event: event) { value in
            switch value {
            case .rule: return rule.name
            case .count: return String(count)
            case .group: return group.isEmpty ? "all events" : group
            case .time: return time.rfc3339
            case .severity: return rule.severity
            case .window: return DurationFormat.text(rule.condition.window ?? Self.interval(rule.condition))
            case .values: return distinctValues.joined(separator: ", ")
            case .suppressed: return String(suppressed)
            }
        }
        return Alert(
            rule: rule.name, group: group, groupFields: fields, count: count, time: time, severity: rule.severity,
            eventIDs: ids, message: message, suppressed: suppressed, notify: rule.notify)
    }

    private static func interval(_ condition: AlertRule.Condition) -> Int64 {
        if case .absence(let interval) = condition { return interval }
        return 0
    }
}

/// Durations in microseconds as short text: `10m`, `1h30m`, `45s`.
public enum DurationFormat {
    public static func text(_ microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        if seconds == 0 { return microseconds == 0 ? "0s" : "\(microseconds / 1000)ms" }
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            out += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return out
    }
}
