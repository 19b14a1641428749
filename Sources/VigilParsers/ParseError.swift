/// Why a ``SourceParser`` could not read a line.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parser that failed (`json`).
    public var parser: String
    public var reason: String
    /// Byte offset in the message where the problem was found, when known.
    public var offset: Int?

    public init(parser: String, reason: String, offset: Int? = nil) {
        self.parser = parser
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        if let offset { return "The \(parser) parser cannot read the message: \(reason) at byte \(offset)." }
        return "The \(parser) parser cannot read the message: \(reason)."
    }
}
