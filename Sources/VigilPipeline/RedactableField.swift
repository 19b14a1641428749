/// The event fields redaction reads, by JSON name.
///
/// `id`, `time`, `received`, `action`, `source`, `kind`, `outcome`, `severity`, `method` and the
/// numbers are never touched. `session` and `ip` are identifiers people query by, so only a user
/// rule that names them changes them.
enum RedactableField: Int, CaseIterable, Sendable {
    case host, app, actor, actorID, actorRole, actorType, impersonator, session, category
    case entityType, entityID, entityName, ip, userAgent, url, message, raw, error, attrs, changes

    /// JSON names, as in configuration.
    static let byName: [String: RedactableField] = [
        "host": .host, "app": .app, "actor": .actor, "actor_id": .actorID, "actor_role": .actorRole,
        "actor_type": .actorType, "impersonator": .impersonator, "session": .session, "category": .category,
        "entity_type": .entityType, "entity_id": .entityID, "entity_name": .entityName, "ip": .ip,
        "user_agent": .userAgent, "url": .url, "message": .message, "raw": .raw, "error": .error,
        "attrs": .attrs, "changes": .changes,
    ]

    /// The names accepted in a rule's `fields`, sorted, for error messages.
    static let names: [String] = byName.keys.sorted()
}

/// A set of `RedactableField`s, one bit each.
struct RedactableFieldSet: OptionSet, Sendable {
    let rawValue: UInt32

    init(rawValue: UInt32) { self.rawValue = rawValue }

    init(_ field: RedactableField) { rawValue = 1 << UInt32(field.rawValue) }

    /// Every field except `session` and `ip`: where built-ins and unrestricted user rules look.
    static let standard: RedactableFieldSet = {
        var set = RedactableFieldSet()
        for field in RedactableField.allCases where field != .session && field != .ip {
            set.insert(RedactableFieldSet(field))
        }
        return set
    }()

    @inline(__always) func has(_ field: RedactableField) -> Bool { rawValue & (1 << UInt32(field.rawValue)) != 0 }
}
