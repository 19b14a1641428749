import VigilCore

/// A parser's options as written in the configuration (`parsers: {json: {aliases: ...}}`).
public struct ParserConfiguration: Sendable, Equatable {
    public var options: [String: JSONValue]

    public init(options: [String: JSONValue] = [:]) {
        self.options = options
    }

    /// - Throws: ``ConfigurationError`` for the first option (in name order) not in `known`.
    public func rejectUnknownOptions(known: Set<String>) throws(ConfigurationError) {
        for key in options.keys.sorted() where !known.contains(key) {
            throw ConfigurationError(
                path: key, reason: "unknown option; expected one of \(known.sorted().joined(separator: ", "))")
        }
    }

    /// The option `key` as an object, or `nil` when absent.
    /// - Throws: ``ConfigurationError`` when it is present but not an object.
    public func object(_ key: String) throws(ConfigurationError) -> [String: JSONValue]? {
        guard let value = options[key], value != .null else { return nil }
        guard let object = value.objectValue else { throw ConfigurationError(path: key, reason: "expected an object") }
        return object
    }
}
