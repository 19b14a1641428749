/// A configuration value a parser or route cannot use: where it is and why.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the offending value inside the parser's options (`aliases.actor`), or the
    /// configuration key (`route.parser`) when outside them. Callers may prefix it with ``prefixed(by:)``.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The same error located under `outer` (`parsers.json` + `aliases.actor`).
    public func prefixed(by outer: String) -> ConfigurationError {
        ConfigurationError(path: path.isEmpty ? outer : outer.isEmpty ? path : "\(outer).\(path)", reason: reason)
    }

    public var description: String {
        path.isEmpty ? "Invalid configuration: \(reason)." : "Invalid configuration at \(path): \(reason)."
    }

    /// A route or command names a parser nobody registered.
    public static func unknownParser(_ name: String, known: [String]) -> ConfigurationError {
        ConfigurationError(
            path: "parser",
            reason: "no parser is named \"\(name)\"; known parsers: \(known.joined(separator: ", "))")
    }
}
