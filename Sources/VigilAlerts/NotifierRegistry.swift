import VigilCore

/// Every notifier kind, by its configuration name: one line per notifier.
public enum NotifierRegistry {
    public static let builtIn: [any Notifier.Type] = [
        EmailNotifier.self,
        WebhookNotifier.self,
        CommandNotifier.self,
        SyslogNotifier.self,
    ]

    public static var kinds: [String] { builtIn.map { $0.kind } }

    /// - Throws: `AlertError.invalidNotifier` for an unknown kind or bad options.
    public static func make(kind: String, name: String, options: [String: JSONValue]) throws(AlertError)
        -> any Notifier
    {
        guard let type = builtIn.first(where: { $0.kind == kind }) else {
            throw .invalidNotifier(
                notifier: name, field: "type", reason: "unknown notifier type '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
        return try type.init(name: name, options: NotifierOptions(name: name, values: options))
    }
}
