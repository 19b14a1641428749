import VigilCore

/// Why a drop rule was refused. `path` locates the value (`drop[1].filter`) for file and line;
/// `column` is the filter column for filter errors.
public enum DropRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingName(index: Int)
    case duplicateName(index: Int, name: String)
    /// The filter does not parse; `error` has the column.
    case invalidFilter(index: Int, name: String, error: FilterError)
    /// A blank filter would drop every event.
    case emptyFilter(index: Int, name: String)
    /// `since:`/`until:` with a duration.
    case relativeTime(index: Int, name: String)

    /// The rule's position in configuration.
    public var index: Int {
        switch self {
        case .missingName(let index), .duplicateName(let index, _), .invalidFilter(let index, _, _),
            .emptyFilter(let index, _), .relativeTime(let index, _):
            return index
        }
    }

    /// Where the mistake is, relative to the list of drop rules: `[1].filter`.
    public var path: String {
        switch self {
        case .missingName, .duplicateName: return "[\(index)].name"
        case .invalidFilter, .emptyFilter, .relativeTime: return "[\(index)].filter"
        }
    }

    /// One-based column in the filter text, for filter errors.
    public var column: Int? {
        if case .invalidFilter(_, _, let error) = self { return error.column }
        return nil
    }

    public var description: String {
        switch self {
        case .missingName(let index):
            return "Drop rule \(index) has no name."
        case .duplicateName(let index, let name):
            return "Drop rule \(index) reuses the name \"\(name)\"."
        case .invalidFilter(let index, let name, let error):
            return "Drop rule \(index) (\"\(name)\") has an invalid filter: \(error)."
        case .emptyFilter(let index, let name):
            return "Drop rule \(index) (\"\(name)\") has an empty filter, which would drop every event."
        case .relativeTime(let index, let name):
            return "Drop rule \(index) (\"\(name)\") uses since:/until: with a duration, which would be fixed at "
                + "start-up; use an absolute time or leave it out."
        }
    }
}
