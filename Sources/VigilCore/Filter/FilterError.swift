/// Why a filter did not parse, and where.
///
/// `description` reads `expected a value after 'actor:' at column 7`; `rendered(in:)` adds the
/// filter with a caret under that column.
public struct FilterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong or expected, without the position: `expected a value after 'actor:'`.
    public var message: String
    /// Zero-based offset in Unicode scalars from the start of the filter.
    public var offset: Int

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// One-based column, as shown to people.
    public var column: Int { offset + 1 }

    public var description: String { "\(message) at column \(column)" }

    /// The message, the filter on the next line, and a caret under the column:
    /// ```
    /// expected a value after 'actor:' at column 7
    ///   actor:
    ///         ^
    /// ```
    /// Control characters in the filter are shown as spaces so the caret stays aligned.
    /// - Parameters:
    ///   - filter: the text that was parsed.
    ///   - indent: prefix for the two echo lines.
    public func rendered(in filter: String, indent: String = "  ") -> String {
        let scalars = Array(filter.unicodeScalars)
        // Long filters are cut to a window around the column.
        let start = max(0, min(offset, scalars.count) - 60)
        let end = min(scalars.count, start + 120)
        var line = start > 0 ? "…" : ""
        for scalar in scalars[start..<end] {
            line.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
        }
        if end < scalars.count { line += "…" }
        let caretColumn = offset - start + (start > 0 ? 1 : 0)
        let caret = String(repeating: " ", count: max(0, caretColumn)) + "^"
        return "\(description)\n\(indent)\(line)\n\(indent)\(caret)"
    }
}
