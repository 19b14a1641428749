import Foundation
import VigilCore

/// Masks secrets in an event before it is hashed and stored (DESIGN.md, "Data flow": redact, then
/// drop rules, then the hash chain), so passwords, tokens and card numbers never reach the store,
/// the live stream, archives or exports.
///
/// Built once from configuration, then `redact(_:)` per event on the ingest path:
///
/// - **Built-ins** (`BuiltInRedaction`, each can be turned off by name) run as one byte scan per
///   string: `password_fields`, `bearer_tokens`, `api_keys`, `card_numbers`.
/// - **Sensitive names**: in `attrs` (at any depth) a member named like a secret (`password`,
///   `api_key`, `Authorization`, `Cookie`, `cvv` …) has its whole value replaced; so do `old` and
///   `new` of a change whose `field` is such a name. The name decides which built-in owns it.
/// - **User rules** (`RedactionRule`): Swift regexes, compiled once, on the fields they name.
///
/// Strings looked at: `message`, `url`, `raw`, `user_agent`, `entity_name`, `entity_id`,
/// `entity_type`, `error`, `actor*`, `impersonator`, `category`, `host`, `app`, every string inside
/// `attrs` and `changes`; `session` and `ip` only for user rules naming them. `id`, `time`,
/// `received` and `action` are never changed, and an event with no secret is left as it was
/// (nothing is copied or rewritten).
public struct Redactor: Sendable {
    /// Rule names in report order: the four built-ins (even when off), then user rules.
    public let ruleNames: [String]
    /// What built-ins and sensitive names put in place of a secret.
    public let replacement: String
    let scanner: SecretScanner
    let rules: [CompiledRedactionRule]
    let builtInsActive: Bool

    /// Compiles the configuration.
    /// - Parameters:
    ///   - rules: user rules, in configuration order.
    ///   - disabledBuiltIns: names of built-ins to turn off (`"card_numbers"` …).
    ///   - replacement: text for secrets found by built-ins and sensitive names.
    /// - Throws: `RedactionError` naming the rule index and the offending value.
    public init(
        rules: [RedactionRule] = [], disabledBuiltIns: [String] = [],
        replacement: String = RedactionRule.defaultReplacement
    ) throws(RedactionError) {
        var enabled = BuiltInSet.all
        for (index, name) in disabledBuiltIns.enumerated() {
            guard let rule = BuiltInRedaction(rawValue: name) else { throw .unknownBuiltIn(index: index, name: name) }
            enabled.remove(BuiltInSet(rule))
        }
        var taken = Set(BuiltInRedaction.allCases.map(\.rawValue))
        var compiled: [CompiledRedactionRule] = []
        for (index, rule) in rules.enumerated() {
            compiled.append(try CompiledRedactionRule(rule, index: index, taken: taken))
            taken.insert(rule.name)
        }
        self.ruleNames = BuiltInRedaction.allCases.map(\.rawValue) + compiled.map(\.name)
        self.replacement = replacement
        self.scanner = SecretScanner(enabled: enabled, replacement: Array(replacement.utf8))
        self.rules = compiled
        self.builtInsActive = !enabled.isEmpty
    }

    /// Whether any rule is on; when not, `redact(_:)` returns at once.
    public var isActive: Bool { builtInsActive || !rules.isEmpty }

    /// Masks every secret in `event` in place.
    /// - Returns: matches per rule (empty when the event was clean), for the caller's metrics.
    public func redact(_ event: inout AuditEvent) -> RedactionReport {
        var report = RedactionReport(ruleCount: ruleNames.count)
        guard isActive else { return report }
        // Values masked by their name in attrs/changes may also stand in the free text (the raw JSON
        // line holds `"old":"hunter2"` after `"field":"password"`): they are scrubbed there too.
        var secrets: [String] = []
        if let masked = redacted(event.message, .message, &report) { event.message = masked }
        if let masked = redacted(event.url, .url, &report) { event.url = masked }
        if let masked = redacted(event.raw, .raw, &report) { event.raw = masked }
        if let masked = redacted(event.userAgent, .userAgent, &report) { event.userAgent = masked }
        if let masked = redacted(event.error, .error, &report) { event.error = masked }
        if let masked = redacted(event.entityName, .entityName, &report) { event.entityName = masked }
        if let masked = redacted(event.entityID, .entityID, &report) { event.entityID = masked }
        if let masked = redacted(event.entityType, .entityType, &report) { event.entityType = masked }
        if let masked = redacted(event.actor, .actor, &report) { event.actor = masked }
        if let masked = redacted(event.actorID, .actorID, &report) { event.actorID = masked }
        if let masked = redacted(event.actorRole, .actorRole, &report) { event.actorRole = masked }
        if let masked = redacted(event.actorType, .actorType, &report) { event.actorType = masked }
        if let masked = redacted(event.impersonator, .impersonator, &report) { event.impersonator = masked }
        if let masked = redacted(event.category, .category, &report) { event.category = masked }
        if let masked = redacted(event.host, .host, &report) { event.host = masked }
        if let masked = redacted(event.app, .app, &report) { event.app = masked }
        if !rules.isEmpty {
            if let masked = redacted(event.session, .session, &report) { event.session = masked }
            if let masked = redacted(event.ip, .ip, &report) { event.ip = masked }
        }
        if !event.attrs.isEmpty, let attrs = redact(object: event.attrs, in: .attrs, &report, collecting: &secrets) {
            event.attrs = attrs
        }
        if builtInsActive { collectSecrets(inChanges: event.changes, into: &secrets) }
        for index in event.changes.indices {
            let name = event.changes[index].field
            if let old = event.changes[index].old,
                let masked = masked(named: name, old, &report) ?? redact(old, in: .changes, &report)
            {
                event.changes[index].old = masked
            }
            if let new = event.changes[index].new,
                let masked = masked(named: name, new, &report) ?? redact(new, in: .changes, &report)
            {
                event.changes[index].new = masked
            }
        }
        if !secrets.isEmpty {
            for keyPath in [\AuditEvent.raw, \.message, \.url, \.error, \.entityName, \.userAgent] {
                guard var text = event[keyPath: keyPath] else { continue }
                var changed = false
                for secret in secrets where text.contains(secret) {
                    text = text.replacingOccurrences(of: secret, with: replacement)
                    changed = true
                }
                if changed { event[keyPath: keyPath] = text }
            }
        }
        return report
    }

    /// The name's classification when it marks a secret that an enabled built-in owns.
    @inline(__always) private func secretKey(_ name: String) -> SensitiveKey? {
        guard builtInsActive, let key = SensitiveKey.classify(name), scanner.enabled.has(key.rule) else { return nil }
        return key
    }

    /// Whether `text`, stored under a name classified as `key`, is a secret to scrub from the free text too.
    @inline(__always) private func isSecret(_ key: SensitiveKey?, _ text: String) -> Bool {
        guard let key else { return false }
        return text.utf8.count >= max(4, key.minimumLength) && text != replacement
    }

    /// Collects the string values stored under secret names in `value` (at any depth), `key` being the
    /// classification of the name it is stored under: what is scrubbed from the free text afterwards.
    /// Used where the masking below does not look inside a value (it replaced it whole) and for `changes`.
    private func collectSecrets(in value: JSONValue, under key: SensitiveKey?, into found: inout [String]) {
        switch value {
        case .string(let text):
            if isSecret(key, text) { found.append(text) }
        case .array(let items):
            for item in items { collectSecrets(in: item, under: key, into: &found) }
        case .object(let members):
            for (name, member) in members { collectSecrets(in: member, under: secretKey(name), into: &found) }
        default:
            break
        }
    }

    private func collectSecrets(inChanges changes: [AuditEvent.Change], into found: inout [String]) {
        for change in changes {
            let key = secretKey(change.field)
            for value in [change.old, change.new].compactMap({ $0 }) { collectSecrets(in: value, under: key, into: &found) }
        }
    }

    /// Masks one free-text string with the built-ins and every user rule: what `redact(_:)` does to
    /// `message`. Returns `nil` when nothing matched.
    public func redact(text: String, report: inout RedactionReport) -> String? {
        redact(text, .message, &report)
    }

    // MARK: - Fields

    /// The masked copy of a field's value, or `nil` when nothing in it changed. The event is
    /// written only then: an `inout` access to one of its fields would copy its shared storage
    /// even when nothing is masked.
    @inline(__always)
    private func redacted(_ value: String?, _ field: RedactableField, _ report: inout RedactionReport) -> String? {
        guard let text = value else { return nil }
        return redact(text, field, &report)
    }

    private func redact(_ text: String, _ field: RedactableField, _ report: inout RedactionReport) -> String? {
        var current: String?
        if builtInsActive, field != .session, field != .ip {  // RedactableFieldSet.standard
            current = scanner.redact(text, into: &report)
        }
        for (offset, rule) in rules.enumerated() where rule.fields.has(field) {
            if let (text, matches) = rule.apply(to: current ?? text) {
                current = text
                report.add(matches, at: BuiltInRedaction.allCases.count + offset)
            }
        }
        return current
    }

    // MARK: - Structured values

    /// The masked copy of a JSON value, or `nil` when nothing in it changed (for `changes`, whose secrets
    /// are collected apart).
    private func redact(_ value: JSONValue, in field: RedactableField, _ report: inout RedactionReport) -> JSONValue? {
        var ignored: [String] = []
        return redact(value, in: field, &report, collecting: &ignored)
    }

    /// The masked copy of a JSON value, or `nil` when nothing in it changed. The strings
    /// stored under secret names are collected into `found` on the way (in the same depth-first order as a separate
    /// walk would), `key` classifying the name `value` is stored under; one walk of `attrs` does both.
    private func redact(
        _ value: JSONValue, in field: RedactableField, _ report: inout RedactionReport, under key: SensitiveKey? = nil,
        collecting found: inout [String]
    ) -> JSONValue? {
        switch value {
        case .string(let text):
            if isSecret(key, text) { found.append(text) }
            return redact(text, field, &report).map(JSONValue.string)
        case .array(let items):
            var result: [JSONValue]?
            for (index, item) in items.enumerated() {
                guard let masked = redact(item, in: field, &report, under: key, collecting: &found) else { continue }
                if result == nil { result = items }
                result?[index] = masked
            }
            return result.map(JSONValue.array)
        case .object(let members):
            return redact(object: members, in: field, &report, collecting: &found).map(JSONValue.object)
        case .null, .bool, .int, .double:
            return nil
        }
    }

    private func redact(
        object members: [String: JSONValue], in field: RedactableField, _ report: inout RedactionReport,
        collecting found: inout [String]
    ) -> [String: JSONValue]? {
        var result: [String: JSONValue]?
        for (name, value) in members {
            let key = secretKey(name)
            let replaced: JSONValue?
            if let key, let masked = masked(key, value, &report) {
                // Replaced whole: what it held under secret names is still scrubbed from the free text.
                collectSecrets(in: value, under: key, into: &found)
                replaced = masked
            } else {
                replaced = redact(value, in: field, &report, under: key, collecting: &found)
            }
            guard let replaced else { continue }
            if result == nil { result = members }
            result?[name] = replaced
        }
        return result
    }

    /// The replacement for a whole value whose name marks it secret (`password`, `api_key` …), or `nil`.
    private func masked(named name: String, _ value: JSONValue, _ report: inout RedactionReport) -> JSONValue? {
        guard let key = secretKey(name) else { return nil }
        return masked(key, value, &report)
    }

    /// The replacement for a whole value stored under a name classified as `key`, or `nil`.
    private func masked(_ key: SensitiveKey, _ value: JSONValue, _ report: inout RedactionReport) -> JSONValue? {
        switch value {
        case .null:
            return nil
        case .string(let text):
            guard text.utf8.count >= max(1, key.minimumLength), text != replacement else { return nil }
        case .bool, .int, .double, .array, .object:
            guard key.minimumLength <= 1 else { return nil }
        }
        report.add(1, at: key.rule.index)
        return .string(replacement)
    }
}
