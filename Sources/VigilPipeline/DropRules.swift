import VigilCore

/// Named filters for noise a user does not want stored (DESIGN.md, "Data flow": drop rules run
/// after redaction, before the hash chain). Dropped events are counted per rule in metrics.
///
/// ```yaml
/// drop:
///   - {name: page_views, filter: 'action:view kind:web'}
///   - {name: health_checks, filter: 'url:/healthz*'}
/// ```
///
/// Filters are parsed and compiled once; `firstMatch(_:)` runs per event with no parsing.
public struct DropRules: Sendable {
    /// One rule as configured.
    public struct Rule: Sendable, Equatable {
        /// Name in configuration and metrics.
        public var name: String
        /// Filter-language text, e.g. `action:view kind:web`.
        public var filter: String

        public init(name: String, filter: String) {
            self.name = name
            self.filter = filter
        }
    }

    /// Rule names, indexed like the result of `firstMatch(_:)`.
    public let names: [String]
    /// The parsed filters, in rule order.
    public let filters: [Filter]
    private let predicates: [FilterPredicate]

    /// Parses and compiles every rule.
    /// - Parameters:
    ///   - rules: in configuration order; the first rule that matches an event drops it.
    ///   - now: the instant `since:`/`until:` with absolute times are compiled against.
    /// - Throws: `DropRuleError` naming the rule index and what is wrong (with the filter column).
    public init(_ rules: [Rule], now: Timestamp = .now()) throws(DropRuleError) {
        var names: [String] = []
        var filters: [Filter] = []
        var seen = Set<String>()
        for (index, rule) in rules.enumerated() {
            guard !rule.name.allSatisfy(\.isWhitespace) else { throw .missingName(index: index) }
            guard seen.insert(rule.name).inserted else { throw .duplicateName(index: index, name: rule.name) }
            let filter: Filter
            do {
                filter = try Filter.parse(rule.filter)
            } catch {
                throw .invalidFilter(index: index, name: rule.name, error: error)
            }
            if filter == .all { throw .emptyFilter(index: index, name: rule.name) }
            if Self.isRelative(filter) { throw .relativeTime(index: index, name: rule.name) }
            names.append(rule.name)
            filters.append(filter)
        }
        self.names = names
        self.filters = filters
        self.predicates = filters.map { $0.predicate(now: now) }
    }

    /// No rules: nothing is ever dropped.
    public var isEmpty: Bool { predicates.isEmpty }

    /// The index in `names` of the first rule that drops `event`, or `nil` to keep it.
    public func firstMatch(_ event: AuditEvent) -> Int? {
        for index in predicates.indices where predicates[index].matches(event) { return index }
        return nil
    }

    /// `since:2h` would be frozen at start-up and silently drop a moving window: refused.
    private static func isRelative(_ filter: Filter) -> Bool {
        switch filter {
        case .since(.ago), .until(.ago): return true
        case .and(let members), .or(let members): return members.contains(where: isRelative)
        case .not(let member): return isRelative(member)
        case .all, .exists, .match, .compare, .network, .text, .since, .until: return false
        }
    }
}
