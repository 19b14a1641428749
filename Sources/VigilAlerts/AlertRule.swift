import VigilCore

/// One alert rule: which events it looks at (a filter), how they are grouped, the condition that raises
/// an alert, and who is told.
///
/// Conditions follow Sigma's correlation rules: ``Condition/threshold(count:window:)`` is `event_count`,
/// ``Condition/distinct(field:count:window:)`` is `value_count`, ``Condition/sequence(steps:window:)`` is
/// `temporal_ordered`; ``Condition/match`` fires on each matching event and ``Condition/absence(interval:)``
/// when no matching event arrived for a while. Windows are measured in event time.
public struct AlertRule: Sendable {
    public enum Condition: Sendable, Equatable {
        /// Every matching event.
        case match
        /// At least `count` matching events within `window` (microseconds) per group.
        case threshold(count: Int, window: Int64)
        /// At least `count` distinct values of `field` within `window` per group.
        case distinct(field: EventField, count: Int, window: Int64)
        /// No matching event for `interval` (per group once one was seen; with no `group_by`, since start).
        case absence(interval: Int64)
        /// The steps' events in order (each at least its `count` times) within `window` per group.
        case sequence(steps: [Step], window: Int64)

        /// The window a condition counts over, if it has one.
        public var window: Int64? {
            switch self {
            case .match, .absence: return nil
            case .threshold(_, let window), .distinct(_, _, let window), .sequence(_, let window): return window
            }
        }

        /// Sigma's name for the condition.
        public var kind: String {
            switch self {
            case .match: return "match"
            case .threshold: return "threshold"
            case .distinct: return "distinct"
            case .absence: return "absence"
            case .sequence: return "sequence"
            }
        }
    }

    /// One step of a sequence.
    public struct Step: Sendable, Equatable {
        public var filter: Filter
        public var count: Int
        let predicate: FilterPredicate

        public init(filter: Filter, count: Int = 1) {
            self.filter = filter
            self.count = max(1, count)
            self.predicate = filter.predicate(now: Timestamp(microseconds: 0))
        }

        public static func == (a: Step, b: Step) -> Bool { a.filter == b.filter && a.count == b.count }
    }

    public var name: String
    public var description: String?
    public var severity: String
    public var filter: Filter
    public var groupBy: [EventField]
    public var condition: Condition
    public var schedule: RuleSchedule?
    /// At most one alert per group within this many microseconds; further ones are counted and summarised.
    public var suppress: Int64
    public var message: MessageTemplate
    /// Names of notifiers (`alerts.notifiers[].name`).
    public var notify: [String]
    public var isEnabled: Bool

    /// The rule filter compiled once, and-ed with the steps of a sequence.
    let predicate: FilterPredicate

    /// - Parameters:
    ///   - suppress: nil gives the condition's window (no suppression for `match` and `absence`).
    ///   - message: nil gives a message naming the rule, group and count.
    /// - Throws: `AlertError.invalidRule` naming the field.
    public init(
        name: String, description: String? = nil, severity: String = "medium", filter: Filter = .all,
        groupBy: [String] = [], condition: Condition = .match, schedule: RuleSchedule? = nil, suppress: Int64? = nil,
        message: String? = nil, notify: [String] = [], isEnabled: Bool = true
    ) throws(AlertError) {
        func fail(_ field: String, _ reason: String) -> AlertError { .invalidRule(rule: name, field: field, reason: reason) }
        guard !name.isEmpty else { throw fail("name", "a rule needs a name") }
        guard Severity.all.contains(severity) else {
            throw fail("severity", "'\(severity)' is not one of: \(Severity.all.joined(separator: ", "))")
        }
        var fields: [EventField] = []
        for (i, text) in groupBy.enumerated() {
            guard let field = EventField(text) else { throw fail("group_by[\(i)]", "no event has a field '\(text)'") }
            fields.append(field)
        }
        switch condition {
        case .match: break
        case .threshold(let count, let window), .distinct(_, let count, let window):
            guard count >= 1 else { throw fail(condition.kind + ".count", "must be at least 1") }
            guard window > 0 else { throw fail(condition.kind + ".window", "must be longer than zero") }
        case .absence(let interval):
            guard interval > 0 else { throw fail("absence.interval", "must be longer than zero") }
            guard schedule == nil else { throw fail("schedule", "an absence rule cannot have a schedule") }
        case .sequence(let steps, let window):
            guard steps.count >= 2 else { throw fail("sequence.steps", "a sequence needs at least two steps") }
            guard window > 0 else { throw fail("sequence.window", "must be longer than zero") }
        }
        let template: MessageTemplate
        do {
            template = try MessageTemplate(message ?? Self.defaultMessage(condition))
        } catch {
            throw fail(error.field, error.reason)
        }
        self.name = name
        self.description = description
        self.severity = severity
        self.filter = filter
        self.groupBy = fields
        self.condition = condition
        self.schedule = schedule
        self.suppress = suppress ?? condition.window ?? 0
        self.message = template
        self.notify = notify
        self.isEnabled = isEnabled
        if case .sequence(let steps, _) = condition {
            predicate = Filter.and([filter, .or(steps.map(\.filter))]).predicate(now: Timestamp(microseconds: 0))
        } else {
            predicate = filter.predicate(now: Timestamp(microseconds: 0))
        }
    }

    static func defaultMessage(_ condition: Condition) -> String {
        switch condition {
        case .match: return "{rule}: {action} by {actor} from {ip}"
        case .threshold, .sequence: return "{rule}: {count} events for {group}"
        case .distinct: return "{rule}: {count} distinct values for {group} ({values})"
        case .absence: return "{rule}: no matching event for {window} ({group})"
        }
    }

    /// Identifies the rule's definition in saved state: state saved under another definition is dropped.
    var fingerprint: String {
        "\(condition.kind)|\(filter)|\(groupBy.map(\.name))|\(condition.window ?? 0)|\(conditionDetail)"
    }

    private var conditionDetail: String {
        switch condition {
        case .match: return ""
        case .threshold(let count, _): return "\(count)"
        case .distinct(let field, let count, _): return "\(field.name)|\(count)"
        case .absence(let interval): return "\(interval)"
        case .sequence(let steps, _): return steps.map { "\($0.filter)#\($0.count)" }.joined(separator: ";")
        }
    }
}
