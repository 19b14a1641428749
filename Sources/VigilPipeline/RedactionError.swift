/// Why redaction configuration was refused. `path` locates the value (`rules[2].pattern`) so the
/// configuration loader can report file and line; `description` is a sentence naming the rule.
public enum RedactionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The rule's `pattern` is not a valid regex, or matches the empty string.
    case invalidPattern(index: Int, name: String, reason: String)
    /// The rule has no name, or one already used by another rule or a built-in.
    case invalidName(index: Int, name: String, reason: String)
    /// `fields` names something redaction cannot look in.
    case unknownField(index: Int, name: String, field: String)
    /// `contains` is empty.
    case emptyLiteral(index: Int, name: String)
    /// The list of built-ins to turn off names one that does not exist.
    case unknownBuiltIn(index: Int, name: String)

    /// Where the mistake is, relative to the redaction section: `rules[2].pattern`, `disable[0]`.
    public var path: String {
        switch self {
        case .invalidPattern(let index, _, _): return "rules[\(index)].pattern"
        case .invalidName(let index, _, _): return "rules[\(index)].name"
        case .unknownField(let index, _, _): return "rules[\(index)].fields"
        case .emptyLiteral(let index, _): return "rules[\(index)].contains"
        case .unknownBuiltIn(let index, _): return "disable[\(index)]"
        }
    }

    public var description: String {
        switch self {
        case .invalidPattern(let index, let name, let reason):
            return "Redaction rule \(index) (\"\(name)\") has an invalid pattern: \(reason)."
        case .invalidName(let index, let name, let reason):
            return "Redaction rule \(index) has an unusable name \"\(name)\": \(reason)."
        case .unknownField(let index, let name, let field):
            return
                "Redaction rule \(index) (\"\(name)\") names the field \"\(field)\", which redaction cannot look in; "
                + "expected one of \(RedactableField.names.joined(separator: ", "))."
        case .emptyLiteral(let index, let name):
            return "Redaction rule \(index) (\"\(name)\") has an empty `contains`; give the literal every match "
                + "holds or leave it out."
        case .unknownBuiltIn(let index, let name):
            return "Entry \(index) turns off \"\(name)\", which is not a built-in redaction rule; built-ins are "
                + "\(BuiltInRedaction.allCases.map(\.rawValue).joined(separator: ", "))."
        }
    }
}
