import VigilCore

extension Alert {
    /// The alert as an audit event, for the store and the live stream:
    /// `kind: system`, `action: alert` (or `alert_summary`), the rule's severity, and `attrs.rule`,
    /// `attrs.group`, `attrs.group_fields`, `attrs.count`, `attrs.event_ids`, `attrs.suppressed`.
    public var event: AuditEvent {
        var event = AuditEvent(
            time: time, received: time, source: Alert.source, action: isSummary ? Alert.summaryAction : Alert.action)
        event.kind = "system"
        event.app = Alert.source
        event.category = "alert"
        event.severity = severity
        event.message = message
        event.entityType = "rule"
        event.entityID = rule
        var attrs: [String: JSONValue] = [
            "rule": .string(rule),
            "group": .string(group),
            "count": .int(Int64(count)),
            "event_ids": .array(eventIDs.map { .string($0.description) }),
        ]
        if !groupFields.isEmpty {
            attrs["group_fields"] = .object(Dictionary(groupFields.map { ($0.name, JSONValue.string($0.value)) },
                                                       uniquingKeysWith: { a, _ in a }))
        }
        if suppressed > 0 || isSummary { attrs["suppressed"] = .int(Int64(suppressed)) }
        event.attrs = attrs
        return event
    }

    /// Reads an alert back from its stored event (`vigil alerts`); nil for other events.
    public init?(event: AuditEvent) {
        guard event.action == Alert.action || event.action == Alert.summaryAction,
            let rule = event.attrs["rule"]?.stringValue
        else { return nil }
        let fields = (event.attrs["group_fields"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
            .map { (name: $0.key, value: $0.value.scalarText ?? "") }
        self.init(
            rule: rule, group: event.attrs["group"]?.stringValue ?? "", groupFields: fields,
            count: Int(event.attrs["count"]?.intValue ?? 0), time: event.time, severity: event.severity ?? "medium",
            eventIDs: (event.attrs["event_ids"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(EventID.init) },
            message: event.message ?? "", suppressed: Int(event.attrs["suppressed"]?.intValue ?? 0),
            isSummary: event.action == Alert.summaryAction)
    }

    /// The JSON notifiers send and `vigil rules test -o json` prints:
    /// `{"rule","group","count","time","message","severity","event_ids",…}`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "rule": .string(rule),
            "group": .string(group),
            "count": .int(Int64(count)),
            "time": .string(time.rfc3339),
            "message": .string(message),
            "severity": .string(severity),
            "event_ids": .array(eventIDs.map { .string($0.description) }),
        ]
        if !groupFields.isEmpty {
            object["group_fields"] = .object(Dictionary(groupFields.map { ($0.name, JSONValue.string($0.value)) },
                                                        uniquingKeysWith: { a, _ in a }))
        }
        if suppressed > 0 || isSummary { object["suppressed"] = .int(Int64(suppressed)) }
        if isSummary { object["summary"] = .bool(true) }
        return .object(object)
    }

    /// `json` as compact bytes (keys sorted).
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.write(json)
        return writer.bytes
    }
}
