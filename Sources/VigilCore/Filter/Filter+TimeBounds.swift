extension Filter {
    /// Bounds on `time` that every matching event satisfies, for skipping whole partitions.
    ///
    /// Conservative: derived from `since:`, `until:` and `time` comparisons joined by `and` at the
    /// top (an `or` contributes the hull of its members when each of them is bounded); anything
    /// under `not` is ignored. Both bounds are inclusive: a match has `lower <= time <= upper`.
    /// - Parameter now: the instant relative durations count back from (as for `predicate(now:)`).
    /// - Returns: `nil` for a side with no bound.
    public func timeBounds(now: Timestamp) -> (lower: Timestamp?, upper: Timestamp?) {
        switch self {
        case .and(let members):
            var lower: Timestamp?
            var upper: Timestamp?
            for member in members {
                let bounds = member.timeBounds(now: now)
                if let l = bounds.lower { lower = max(lower ?? l, l) }
                if let u = bounds.upper { upper = min(upper ?? u, u) }
            }
            return (lower, upper)
        case .or(let members):
            guard !members.isEmpty else { return (nil, nil) }
            var lower: Timestamp?
            var upper: Timestamp?
            var lowerAll = true
            var upperAll = true
            for member in members {
                let bounds = member.timeBounds(now: now)
                if let l = bounds.lower { lower = min(lower ?? l, l) } else { lowerAll = false }
                if let u = bounds.upper { upper = max(upper ?? u, u) } else { upperAll = false }
            }
            return (lowerAll ? lower : nil, upperAll ? upper : nil)
        case .since(let instant):
            return (instant.resolved(now: now), nil)
        case .until(let instant):
            return (nil, instant.resolved(now: now).adding(microseconds: -1))
        case .compare(.time("time"), let op, .time(let time)):
            switch op {
            case .equal: return (time, time)
            case .greater: return (time.adding(microseconds: 1), nil)
            case .greaterOrEqual: return (time, nil)
            case .less: return (nil, time.adding(microseconds: -1))
            case .lessOrEqual: return (nil, time)
            }
        default:
            return (nil, nil)
        }
    }
}
