import VigilCore

/// How long events are kept, by class: the first class whose filter matches decides, else the
/// default. Written in the filter language:
///
///     retention: {default: 365d, classes: [{filter: 'action:view', keep: 30d},
///                                          {filter: 'kind:auth or severity:(high or critical)', keep: 730d}]}
public struct RetentionPolicy: Sendable {
    public struct Class: Sendable {
        public var filter: String
        public var keepSeconds: Int64
        let predicate: FilterPredicate

        public init(filter: String, keepSeconds: Int64) throws(ArchiveError) {
            self.filter = filter
            self.keepSeconds = keepSeconds
            do {
                // Retention filters describe events, not times: `since:` in one would be relative to now.
                predicate = try Filter.parse(filter).predicate(now: Timestamp(microseconds: 0))
            } catch {
                throw .invalidFilter(filter, "\(error)")
            }
        }
    }

    /// `nil`: events outside every class are kept forever.
    public var defaultKeepSeconds: Int64?
    public var classes: [Class]

    public init(defaultKeepSeconds: Int64?, classes: [Class]) {
        self.defaultKeepSeconds = defaultKeepSeconds
        self.classes = classes
    }

    /// How long this event is kept, in seconds (`nil`: forever).
    public func keepSeconds(for event: AuditEvent) -> Int64? {
        for c in classes where c.predicate.matches(event) { return c.keepSeconds }
        return defaultKeepSeconds
    }

    /// Whether the event is past its retention at `now`.
    public func isExpired(_ event: AuditEvent, now: Timestamp) -> Bool {
        guard let keep = keepSeconds(for: event) else { return false }
        return event.time.microseconds + keep * 1_000_000 <= now.microseconds
    }
}
