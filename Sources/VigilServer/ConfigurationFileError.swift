/// A mistake in a configuration file, located by file, line and field.
public struct ConfigurationFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted path of the offending field, e.g. `listeners[1].address`.
    public var field: String
    public var reason: String

    public init(file: String, line: Int?, column: Int? = nil, field: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        return field.isEmpty ? "\(location): \(reason)" : "\(location): \(field): \(reason)"
    }
}
