/// One normalised audit event: who did what, to which entity, when, from where, with what outcome.
///
/// The field set and JSON names are fixed by DESIGN.md ("The event model"). Every optional field
/// is omitted from JSON when `nil`.
public struct AuditEvent: Sendable, Equatable {
    /// The fields, stored once and shared between copies until one of them changes (copy on write):
    /// events are copied along the pipeline (queue, writer, live stream, rules), and a copy is then one
    /// reference count instead of one per text field.
    @usableFromInline struct Fields: Equatable {
        @usableFromInline var id: EventID
        @usableFromInline var time: Timestamp
        @usableFromInline var received: Timestamp
        @usableFromInline var source: String
        @usableFromInline var kind: String? = nil
        @usableFromInline var host: String? = nil
        @usableFromInline var app: String? = nil
        @usableFromInline var actor: String? = nil
        @usableFromInline var actorID: String? = nil
        @usableFromInline var actorRole: String? = nil
        @usableFromInline var actorType: String? = nil
        @usableFromInline var impersonator: String? = nil
        @usableFromInline var session: String? = nil
        @usableFromInline var action: String
        @usableFromInline var category: String? = nil
        @usableFromInline var entityType: String? = nil
        @usableFromInline var entityID: String? = nil
        @usableFromInline var entityName: String? = nil
        @usableFromInline var outcome: String? = nil
        @usableFromInline var severity: String? = nil
        @usableFromInline var ip: String? = nil
        @usableFromInline var userAgent: String? = nil
        @usableFromInline var method: String? = nil
        @usableFromInline var url: String? = nil
        @usableFromInline var status: Int? = nil
        @usableFromInline var durationMS: Double? = nil
        @usableFromInline var bytes: Int64? = nil
        @usableFromInline var changes: [Change] = []
        @usableFromInline var message: String? = nil
        @usableFromInline var attrs: [String: JSONValue] = [:]
        @usableFromInline var raw: String? = nil
        @usableFromInline var error: String? = nil
        @usableFromInline var prevHash: [UInt8]? = nil
        @usableFromInline var hash: [UInt8]? = nil
    }

    @usableFromInline final class Box: @unchecked Sendable {
        // Mutated only through `uniqueFields`, that is while no other event shares this box; an
        // event is a value, so two accesses to one box never overlap and the dynamic exclusivity
        // check (a tenth of rule evaluation's time) is left out.
        @exclusivity(unchecked) @usableFromInline var fields: Fields

        @usableFromInline init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline var box: Box

    /// The fields for writing, copied first when another event shares them.
    @usableFromInline var uniqueFields: Fields {
        @inlinable get { box.fields }
        @inlinable _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    public var id: EventID {
        @inlinable get { box.fields.id }
        @inlinable _modify { yield &uniqueFields.id }
    }
    public var time: Timestamp {
        @inlinable get { box.fields.time }
        @inlinable _modify { yield &uniqueFields.time }
    }
    public var received: Timestamp {
        @inlinable get { box.fields.received }
        @inlinable _modify { yield &uniqueFields.received }
    }
    public var source: String {
        @inlinable get { box.fields.source }
        @inlinable _modify { yield &uniqueFields.source }
    }
    public var kind: String? {
        @inlinable get { box.fields.kind }
        @inlinable _modify { yield &uniqueFields.kind }
    }
    public var host: String? {
        @inlinable get { box.fields.host }
        @inlinable _modify { yield &uniqueFields.host }
    }
    public var app: String? {
        @inlinable get { box.fields.app }
        @inlinable _modify { yield &uniqueFields.app }
    }
    public var actor: String? {
        @inlinable get { box.fields.actor }
        @inlinable _modify { yield &uniqueFields.actor }
    }
    public var actorID: String? {
        @inlinable get { box.fields.actorID }
        @inlinable _modify { yield &uniqueFields.actorID }
    }
    public var actorRole: String? {
        @inlinable get { box.fields.actorRole }
        @inlinable _modify { yield &uniqueFields.actorRole }
    }
    public var actorType: String? {
        @inlinable get { box.fields.actorType }
        @inlinable _modify { yield &uniqueFields.actorType }
    }
    public var impersonator: String? {
        @inlinable get { box.fields.impersonator }
        @inlinable _modify { yield &uniqueFields.impersonator }
    }
    public var session: String? {
        @inlinable get { box.fields.session }
        @inlinable _modify { yield &uniqueFields.session }
    }
    public var action: String {
        @inlinable get { box.fields.action }
        @inlinable _modify { yield &uniqueFields.action }
    }
    public var category: String? {
        @inlinable get { box.fields.category }
        @inlinable _modify { yield &uniqueFields.category }
    }
    public var entityType: String? {
        @inlinable get { box.fields.entityType }
        @inlinable _modify { yield &uniqueFields.entityType }
    }
    public var entityID: String? {
        @inlinable get { box.fields.entityID }
        @inlinable _modify { yield &uniqueFields.entityID }
    }
    public var entityName: String? {
        @inlinable get { box.fields.entityName }
        @inlinable _modify { yield &uniqueFields.entityName }
    }
    public var outcome: String? {
        @inlinable get { box.fields.outcome }
        @inlinable _modify { yield &uniqueFields.outcome }
    }
    public var severity: String? {
        @inlinable get { box.fields.severity }
        @inlinable _modify { yield &uniqueFields.severity }
    }
    public var ip: String? {
        @inlinable get { box.fields.ip }
        @inlinable _modify { yield &uniqueFields.ip }
    }
    public var userAgent: String? {
        @inlinable get { box.fields.userAgent }
        @inlinable _modify { yield &uniqueFields.userAgent }
    }
    public var method: String? {
        @inlinable get { box.fields.method }
        @inlinable _modify { yield &uniqueFields.method }
    }
    public var url: String? {
        @inlinable get { box.fields.url }
        @inlinable _modify { yield &uniqueFields.url }
    }
    public var status: Int? {
        @inlinable get { box.fields.status }
        @inlinable _modify { yield &uniqueFields.status }
    }
    public var durationMS: Double? {
        @inlinable get { box.fields.durationMS }
        @inlinable _modify { yield &uniqueFields.durationMS }
    }
    public var bytes: Int64? {
        @inlinable get { box.fields.bytes }
        @inlinable _modify { yield &uniqueFields.bytes }
    }
    public var changes: [Change] {
        @inlinable get { box.fields.changes }
        @inlinable _modify { yield &uniqueFields.changes }
    }
    public var message: String? {
        @inlinable get { box.fields.message }
        @inlinable _modify { yield &uniqueFields.message }
    }
    public var attrs: [String: JSONValue] {
        @inlinable get { box.fields.attrs }
        @inlinable _modify { yield &uniqueFields.attrs }
    }
    public var raw: String? {
        @inlinable get { box.fields.raw }
        @inlinable _modify { yield &uniqueFields.raw }
    }
    public var error: String? {
        @inlinable get { box.fields.error }
        @inlinable _modify { yield &uniqueFields.error }
    }
    /// SHA-256 of the previous event in the chain (32 bytes); set by the pipeline.
    public var prevHash: [UInt8]? {
        @inlinable get { box.fields.prevHash }
        @inlinable _modify { yield &uniqueFields.prevHash }
    }
    /// `SHA-256(prev_hash ‖ canonical event)`; set by the pipeline.
    public var hash: [UInt8]? {
        @inlinable get { box.fields.hash }
        @inlinable _modify { yield &uniqueFields.hash }
    }

    public init(
        id: EventID = EventID(high: 0, low: 0), time: Timestamp, received: Timestamp, source: String = "default",
        action: String = "unknown"
    ) {
        box = Box(Fields(id: id, time: time, received: received, source: source, action: action))
    }

    public static func == (a: AuditEvent, b: AuditEvent) -> Bool { a.box === b.box || a.box.fields == b.box.fields }

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
