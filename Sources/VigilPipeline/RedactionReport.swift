/// What `Redactor.redact(_:)` masked in one event: a count per rule, for the caller's metrics.
///
/// Allocation-free for clean events: `counts` stays empty until the first match.
public struct RedactionReport: Sendable, Equatable {
    /// Matches per rule, indexed like `Redactor.ruleNames` (built-ins first, then user rules);
    /// empty when nothing was redacted.
    public private(set) var counts: [Int] = []
    private let ruleCount: Int

    /// An empty report for a redactor with `ruleCount` rules.
    public init(ruleCount: Int) {
        self.ruleCount = ruleCount
    }

    /// Whether anything in the event was masked.
    public var didRedact: Bool { !counts.isEmpty }

    /// Matches over all rules.
    public var total: Int { counts.reduce(0, +) }

    /// Matches of the rule at `index` in `Redactor.ruleNames`.
    public func count(at index: Int) -> Int { index < counts.count ? counts[index] : 0 }

    /// Matches of a built-in rule.
    public func count(of rule: BuiltInRedaction) -> Int { count(at: rule.index) }

    mutating func add(_ matches: Int, at index: Int) {
        if counts.isEmpty { counts = Array(repeating: 0, count: ruleCount) }
        counts[index] += matches
    }
}
