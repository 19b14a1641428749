/// A user redaction rule from configuration: every match of `pattern` is replaced.
///
/// ```yaml
/// redaction:
///   rules:
///     - {name: ssn, pattern: '\d{3}-\d{2}-\d{4}', contains: "SSN", fields: [message, raw]}
/// ```
///
/// The pattern is a Swift `Regex`, compiled once when the `Redactor` is built. It runs on every
/// string of the chosen fields, so give `contains` when every match implies a fixed literal: the
/// regex then only runs on strings holding it (a byte search, far cheaper than the regex).
public struct RedactionRule: Sendable, Equatable {
    /// Name in configuration and metrics; unique, and not one of the built-in names.
    public var name: String
    /// Swift `Regex` syntax; it must not match the empty string.
    public var pattern: String
    /// Literal text put in place of each match (no capture references).
    public var replacement: String
    /// JSON names of the fields to look in (`message`, `raw`, `attrs`, `changes`, `session`, `ip` …);
    /// `nil` for every field the built-ins look in.
    public var fields: [String]?
    /// A literal every match contains: strings without it are skipped without running the regex.
    public var contains: String?

    /// What a match becomes when the rule gives no `replacement`.
    public static let defaultReplacement = "[REDACTED]"

    public init(
        name: String, pattern: String, replacement: String = RedactionRule.defaultReplacement,
        fields: [String]? = nil, contains: String? = nil
    ) {
        self.name = name
        self.pattern = pattern
        self.replacement = replacement
        self.fields = fields
        self.contains = contains
    }
}
