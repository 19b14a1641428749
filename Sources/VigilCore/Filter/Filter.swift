/// A parsed filter: the one language of `vigil query`, `tail`, the HTTP API, alert rules, retention
/// and drop rules (DESIGN.md, "The filter language").
///
/// ```
/// actor:john.smith action:(update or delete) entity:customer/CUST-12345
/// ip:192.0.2.0/24 and not outcome:success
/// attrs.records >= 1000 and kind:api
/// status >= 500 since:2h "credit limit"
/// ```
///
/// Parse once with `Filter.parse(_:)`, then compile: `predicate(now:)` for events in memory,
/// `sql(_:)` (VigilStore) for the store; both give the same answer on every event. Shorthands are
/// expanded while parsing: `field:(a or b)` becomes `field:a or field:b`, `entity:T/I` becomes
/// `entity_type:T and entity_id:I`, and `time:2026-01-01` becomes a range over that day.
public indirect enum Filter: Sendable, Hashable {
    /// The empty filter: matches every event.
    case all
    /// Every member matches (an empty list matches everything).
    case and([Filter])
    /// At least one member matches (an empty list matches nothing).
    case or([Filter])
    /// The member does not match; an event missing the tested field matches `not field:value`.
    case not(Filter)
    /// `field:*`: the field is present (for `attrs.PATH`: present and not JSON `null`).
    case exists(FilterField)
    /// `field:value`, exact and case-sensitive, `*` matching any run of characters.
    /// On `attrs.PATH` see `FilterPattern` for how numbers and booleans compare.
    case match(FilterField, FilterPattern)
    /// `field > value` and friends, and `field:value` on number and time fields.
    case compare(FilterField, FilterComparison, FilterOperand)
    /// `ip:10.0.0.0/8`: `ip` parses as an address inside the block.
    case network(IPNetwork)
    /// A bare word or quoted phrase: ASCII-case-insensitive substring of `message` or `entity_name`.
    case text(FilterPattern)
    /// `since:2h`, `since:2026-01-01`: `time >= ` that instant.
    case since(FilterInstant)
    /// `until:...`: `time < ` that instant.
    case until(FilterInstant)

    /// Deepest nesting of parentheses, groups and `not` that `parse` accepts.
    public static let maximumDepth = 32
    /// Most terms (field tests and words) that `parse` accepts.
    public static let maximumTerms = 512
    /// Longest filter, in Unicode scalars, that `parse` accepts.
    public static let maximumLength = 16_384

    /// Parses filter text. Blank text gives `.all`.
    /// - Parameter text: the filter as typed.
    /// - Throws: `FilterError` with the column and what was expected there.
    public static func parse(_ text: String) throws(FilterError) -> Filter {
        var parser = FilterParser(text)
        return try parser.parseFilter()
    }
}

/// A field a filter can name, resolved while parsing to the way it compares.
public enum FilterField: Sendable, Hashable, CustomStringConvertible {
    /// A top-level text field (`actor`, `action`, `ip`, `message` ...), compared by its UTF-8 bytes.
    case text(String)
    /// `status`, `duration_ms`, `bytes`.
    case number(String)
    /// `time`, `received`.
    case time(String)
    /// `prev_hash`, `hash`, compared as lowercase hex.
    case digest(String)
    /// `attrs.PATH`: the member at the dotted path (never empty).
    case attrs([String])
    /// `attrs`, `changes`: only presence can be tested.
    case structured(String)

    /// The name as written in a filter.
    public var name: String {
        switch self {
        case .text(let name), .number(let name), .time(let name), .digest(let name), .structured(let name):
            return name
        case .attrs(let path): return "attrs." + path.joined(separator: ".")
        }
    }

    public var description: String { name }
}

/// The operator of a comparison term.
public enum FilterComparison: String, Sendable, Hashable {
    case equal = ":"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Whether `order` (negative, zero, positive: left against right) satisfies the operator.
    @inline(__always) public func holds(_ order: Int) -> Bool {
        switch self {
        case .equal: return order == 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}

/// The right-hand side of a comparison.
public enum FilterOperand: Sendable, Hashable, CustomStringConvertible {
    case number(FilterNumber)
    case time(Timestamp)

    public var description: String {
        switch self {
        case .number(let number): return number.description
        case .time(let time): return time.rfc3339
        }
    }
}

/// A point in time in `since:` / `until:`, either fixed or relative to the `now` given at compile time.
public enum FilterInstant: Sendable, Hashable, CustomStringConvertible {
    /// `since:2h`: `now` minus the duration.
    case ago(FilterDuration)
    /// `since:2026-01-01`, `since:2026-01-01T10:00:00Z`.
    case absolute(Timestamp)

    /// The instant, given the current time.
    public func resolved(now: Timestamp) -> Timestamp {
        switch self {
        case .ago(let duration): return now.adding(microseconds: -duration.microseconds)
        case .absolute(let time): return time
        }
    }

    public var description: String {
        switch self {
        case .ago(let duration): return duration.description
        case .absolute(let time): return time.rfc3339
        }
    }
}
