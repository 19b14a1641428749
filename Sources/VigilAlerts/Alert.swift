import VigilCore

/// An alert raised by a rule for one group: stored as an event (`kind: system`, `action: alert`) and sent
/// to the rule's notifiers.
public struct Alert: Sendable, Equatable {
    /// The rule's name.
    public var rule: String
    /// The group as text: `ip=192.0.2.7`, `actor=john ip=192.0.2.7`, or empty without `group_by`.
    public var group: String
    /// The `group_by` fields and their values.
    public var groupFields: [(name: String, value: String)]
    /// Events that made the condition true (for `distinct`, distinct values; for `absence`, zero).
    public var count: Int
    /// When it fired: the time of the event that completed the condition (or the clock, for `absence`).
    public var time: Timestamp
    public var severity: String
    /// Ids of the triggering events, oldest first (at most ``maximumEventIDs``).
    public var eventIDs: [EventID]
    public var message: String
    /// Alerts of this rule and group that were suppressed since the previous alert was sent.
    public var suppressed: Int
    /// A summary of suppressed alerts rather than a new alert.
    public var isSummary: Bool
    /// Notifier names from the rule.
    public var notify: [String]

    /// At most this many triggering event ids are kept per alert.
    public static let maximumEventIDs = 100
    /// The `source` and `app` of alert events, which rules never see.
    public static let source = "vigil-alerts"
    public static let action = "alert"
    public static let summaryAction = "alert_summary"

    public init(
        rule: String, group: String, groupFields: [(name: String, value: String)] = [], count: Int, time: Timestamp,
        severity: String, eventIDs: [EventID] = [], message: String, suppressed: Int = 0, isSummary: Bool = false,
        notify: [String] = []
    ) {
        self.rule = rule
        self.group = group
        self.groupFields = groupFields
        self.count = count
        self.time = time
        self.severity = severity
        self.eventIDs = eventIDs
        self.message = message
        self.suppressed = suppressed
        self.isSummary = isSummary
        self.notify = notify
    }

    public static func == (a: Alert, b: Alert) -> Bool {
        a.rule == b.rule && a.group == b.group && a.count == b.count && a.time == b.time && a.severity == b.severity
            && a.eventIDs == b.eventIDs && a.message == b.message && a.suppressed == b.suppressed
            && a.isSummary == b.isSummary && a.notify == b.notify
            && a.groupFields.map(\.name) == b.groupFields.map(\.name)
            && a.groupFields.map(\.value) == b.groupFields.map(\.value)
    }
}
