import Foundation
import VigilCore

/// Value conversions of the `json` parser: text, outcome and severity words, times, changes.
extension JSONEventMapper {
    /// A non-empty string, or a number written as text.
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s.isEmpty ? nil : s
        case .int, .double: return value.scalarText
        default: return nil
        }
    }

    /// A non-empty string only.
    static func string(_ value: JSONValue) -> String? {
        guard case .string(let s) = value, !s.isEmpty else { return nil }
        return s
    }

    /// `ok/success/succeeded/true` → success, `fail/failed/failure/error/denied/false` → failure.
    /// Other words are not mapped (the member stays in `attrs`).
    static func outcome(_ value: JSONValue) -> String? {
        if case .bool(let flag) = value { return flag ? Outcome.success : Outcome.failure }
        guard let word = value.stringValue?.lowercased() else { return nil }
        switch word {
        case "ok", "success", "succeeded", "successful", "true", "pass", "passed", "allowed", "allow":
            return Outcome.success
        case "fail", "failed", "failure", "error", "denied", "deny", "false", "rejected", "forbidden":
            return Outcome.failure
        case "unknown": return Outcome.unknown
        default: return nil
        }
    }

    /// Syslog-ish words onto the audit scale; audit words as they are; a number 0...7 as a syslog severity.
    static func severity(_ value: JSONValue) -> String? {
        if case .int(let level) = value, (0...7).contains(level) { return Severity.fromSyslog(Int(level)) }
        guard let word = value.stringValue?.lowercased() else { return nil }
        switch word {
        case "trace", "debug", "info", "informational", "information": return "info"
        case "notice", "low": return "low"
        case "warning", "warn", "medium": return "medium"
        case "error", "err", "high": return "high"
        case "crit", "critical", "alert", "emerg", "emergency", "fatal", "panic": return "critical"
        default: return nil
        }
    }

    /// RFC 3339 text (a zone-less one read in `zone`), or an epoch number in seconds, milliseconds,
    /// microseconds or nanoseconds, told apart by magnitude.
    static func time(_ value: JSONValue, zone: TimeZone) -> Timestamp? {
        switch value {
        case .int(let number): return epoch(Double(number))
        case .double(let number): return epoch(number)
        case .string(let text):
            if let instant = Timestamp.parse(text, defaultOffset: nil) { return instant }
            if let wall = Timestamp.parse(text, defaultOffset: 0) {
                return LocalTimeResolver(timeZone: zone).localToUTC(wall)
            }
            return Double(text).flatMap(epoch)
        default:
            return nil
        }
    }

    static func epoch(_ number: Double) -> Timestamp? {
        guard number.isFinite, number > 0 else { return nil }
        switch number {
        case ..<1e11: return Timestamp(seconds: number)
        case ..<1e14: return Timestamp(microseconds: Int64((number * 1_000).rounded()))
        case ..<1e17: return Timestamp(microseconds: Int64(number.rounded()))
        case ..<1e20: return Timestamp(microseconds: Int64((number / 1_000).rounded()))
        default: return nil
        }
    }

    private static let fieldKeys = ["field", "name", "key", "attribute", "property", "column"]
    private static let oldKeys = ["old", "from", "before", "old_value", "previous"]
    private static let newKeys = ["new", "to", "after", "new_value", "current"]

    /// `[{field, old, new}]`, `{field: {old, new}}` or `{field: [old, new]}`; `nil` for any other shape
    /// (the member then stays in `attrs`). An explicit `null` is kept as `.null`.
    static func changes(_ value: JSONValue) -> [AuditEvent.Change]? {
        switch value {
        case .array(let elements):
            var changes: [AuditEvent.Change] = []
            for element in elements {
                guard let object = element.objectValue,
                    let field = fieldKeys.lazy.compactMap({ object[$0]?.stringValue }).first
                else { return nil }
                changes.append(
                    AuditEvent.Change(field: field, old: first(object, oldKeys), new: first(object, newKeys)))
            }
            return changes
        case .object(let fields):
            var changes: [AuditEvent.Change] = []
            for field in fields.keys.sorted() {
                switch fields[field] {
                case .object(let pair)?:
                    let old = first(pair, oldKeys)
                    let new = first(pair, newKeys)
                    guard old != nil || new != nil else { return nil }
                    changes.append(AuditEvent.Change(field: field, old: old, new: new))
                case .array(let pair)? where pair.count == 2:
                    changes.append(AuditEvent.Change(field: field, old: pair[0], new: pair[1]))
                default:
                    return nil
                }
            }
            return changes
        default:
            return nil
        }
    }

    private static func first(_ object: [String: JSONValue], _ keys: [String]) -> JSONValue? {
        for key in keys {
            if let value = object[key] { return value }
        }
        return nil
    }

    /// Keys whose value differs, in name order; a removed key has `new == nil`, an added one `old == nil`.
    static func diff(before: [String: JSONValue], after: [String: JSONValue]) -> [AuditEvent.Change] {
        Set(before.keys).union(after.keys).sorted().compactMap { key in
            let old = before[key]
            let new = after[key]
            return old == new ? nil : AuditEvent.Change(field: key, old: old, new: new)
        }
    }
}
