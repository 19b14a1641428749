/// One normalised audit event: who did what, to which entity, when, from where, with what outcome.
///
/// The field set and JSON names are fixed by DESIGN.md ("The event model"). Every optional field
/// is omitted from JSON when `nil`.
public struct AuditEvent: Sendable, Equatable {
    public var id: EventID
    public var time: Timestamp
    public var received: Timestamp
    public var source: String
    public var kind: String?
    public var host: String?
    public var app: String?
    public var actor: String?
    public var actorID: String?
    public var actorRole: String?
    public var actorType: String?
    public var impersonator: String?
    public var session: String?
    public var action: String
    public var category: String?
    public var entityType: String?
    public var entityID: String?
    public var entityName: String?
    public var outcome: String?
    public var severity: String?
    public var ip: String?
    public var userAgent: String?
    public var method: String?
    public var url: String?
    public var status: Int?
    public var durationMS: Double?
    public var bytes: Int64?
    public var changes: [Change]
    public var message: String?
    public var attrs: [String: JSONValue]
    public var raw: String?
    public var error: String?
    /// SHA-256 of the previous event in the chain (32 bytes); set by the pipeline.
    public var prevHash: [UInt8]?
    /// `SHA-256(prev_hash ‖ canonical event)`; set by the pipeline.
    public var hash: [UInt8]?

    public init(
        id: EventID = EventID(high: 0, low: 0), time: Timestamp, received: Timestamp, source: String = "default",
        action: String = "unknown"
    ) {
        self.id = id
        self.time = time
        self.received = received
        self.source = source
        self.action = action
        self.changes = []
        self.attrs = [:]
    }

    /// One before/after pair of an update.
    public struct Change: Sendable, Equatable {
        public var field: String
        public var old: JSONValue?
        public var new: JSONValue?

        public init(field: String, old: JSONValue?, new: JSONValue?) {
            self.field = field
            self.old = old
            self.new = new
        }
    }

    /// The action given to lines no parser understood.
    public static let unparsedAction = "unparsed"
}

/// Canonical values for `outcome`.
public enum Outcome {
    public static let success = "success"
    public static let failure = "failure"
    public static let unknown = "unknown"
}

/// Canonical values for `severity`, lowest first.
public enum Severity {
    public static let all = ["info", "low", "medium", "high", "critical"]

    /// Maps a syslog severity (0 emergency ... 7 debug) onto the audit scale.
    public static func fromSyslog(_ value: Int) -> String {
        switch value {
        case 0, 1: return "critical"
        case 2, 3: return "high"
        case 4: return "medium"
        case 5: return "low"
        default: return "info"
        }
    }
}
