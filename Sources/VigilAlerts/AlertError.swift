/// Everything that can go wrong in alerting: a rule that does not make sense, or a notifier that
/// could not deliver.
public enum AlertError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A rule's definition is invalid; `field` is the rule key (`threshold.count`, `message`).
    case invalidRule(rule: String, field: String, reason: String)
    /// A notifier's configuration is invalid.
    case invalidNotifier(notifier: String, field: String, reason: String)
    /// One delivery attempt failed (connection refused, SMTP reply, HTTP status, exit code, timeout).
    case deliveryFailed(notifier: String, reason: String)

    public var description: String {
        switch self {
        case .invalidRule(let rule, let field, let reason):
            return "rule '\(rule)': \(field): \(reason)"
        case .invalidNotifier(let notifier, let field, let reason):
            return "notifier '\(notifier)': \(field): \(reason)"
        case .deliveryFailed(let notifier, let reason):
            return "notifier '\(notifier)' could not deliver the alert: \(reason)"
        }
    }

    /// The field a configuration error is about (empty for delivery failures).
    public var field: String {
        switch self {
        case .invalidRule(_, let field, _), .invalidNotifier(_, let field, _): return field
        case .deliveryFailed: return ""
        }
    }

    /// The reason without the rule or notifier name.
    public var reason: String {
        switch self {
        case .invalidRule(_, _, let reason), .invalidNotifier(_, _, let reason), .deliveryFailed(_, let reason):
            return reason
        }
    }
}
