import VigilCore

/// One matching event remembered in a window.
struct Hit: Sendable, Equatable {
    var time: Int64
    var id: EventID
}

/// A group's hits in time order. Dropping the oldest moves a start index instead of the elements,
/// so a sliding window costs O(1) per event; the dropped space is reclaimed once it is half the buffer.
struct HitWindow: RandomAccessCollection, Sendable, Equatable {
    private var storage: [Hit] = []
    private var start = 0

    init() {}

    init(_ hits: [Hit]) { storage = hits }

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count - start }
    subscript(i: Int) -> Hit { storage[start + i] }

    mutating func append(_ hit: Hit) {
        if start > 0, start >= storage.count / 2, start >= 64 {
            storage.removeFirst(start)
            start = 0
        }
        storage.append(hit)
    }

    mutating func insert(_ hit: Hit, at i: Int) { storage.insert(hit, at: start + i) }

    mutating func removeFirst(_ n: Int) {
        start += n
        if start == storage.count { removeAll() }
    }

    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        start = 0
    }

    static func == (a: HitWindow, b: HitWindow) -> Bool { a.elementsEqual(b) }
}

/// What a group's condition just became true with.
struct Firing: Sendable {
    var count: Int
    var ids: [EventID]
    var values: [String] = []
    /// Alerts suppressed before this one that no summary reported yet.
    var suppressed: Int
}

/// The sliding-window state of one rule for one group.
struct GroupState: Sendable {
    /// The `group_by` values, in the rule's order.
    var values: [String]
    /// `threshold` and `distinct`: matching events in the window, oldest first.
    var hits = HitWindow()
    /// `distinct`: the last time each value was seen in the window.
    var distinct: [String: Int64] = [:]
    /// `sequence`: each step's matching events in the window.
    var steps: [HitWindow] = []
    /// `absence`: the last matching event, and whether the current silence was already reported.
    var lastSeen: Int64 = 0
    var absenceReported = false
    /// The event that last completed the condition (or, for `absence`, the last one seen): fills messages.
    var lastEvent: AuditEvent?
    /// No alert for this group before this time (microseconds); further firings are counted.
    var suppressedUntil: Int64 = .min
    var suppressed = 0
    var suppressedEvents = 0

    init(values: [String], steps: Int = 0) {
        self.values = values
        self.steps = Array(repeating: HitWindow(), count: steps)
    }

    /// Adds the event and reports whether the condition is now true and not suppressed.
    mutating func update(_ rule: AlertRule, _ event: AuditEvent, at t: Int64) -> Firing? {
        switch rule.condition {
        case .match:
            return fire(count: 1, ids: [event.id], event, at: t, rule.suppress)
        case .threshold(let count, let window):
            Self.insert(Hit(time: t, id: event.id), into: &hits)
            Self.prune(&hits, before: t - window)
            guard hits.count >= count else { return nil }
            let ids = hits.suffix(Alert.maximumEventIDs).map(\.id)
            let n = hits.count
            hits.removeAll()
            return fire(count: n, ids: ids, event, at: t, rule.suppress)
        case .distinct(let field, let count, let window):
            guard let value = field.value(in: event) else { return nil }
            distinct[value] = max(distinct[value] ?? .min, t)
            Self.insert(Hit(time: t, id: event.id), into: &hits)
            Self.prune(&hits, before: t - window)
            if hits.count > Alert.maximumEventIDs { hits.removeFirst(hits.count - Alert.maximumEventIDs) }
            guard distinct.count >= count else { return nil }
            let lower = t - window
            distinct = distinct.filter { $0.value >= lower }
            guard distinct.count >= count else { return nil }
            let values = distinct.sorted { $0.value < $1.value }.map(\.key)
            let ids = hits.map(\.id)
            distinct.removeAll(keepingCapacity: true)
            hits.removeAll()
            guard var firing = fire(count: values.count, ids: ids, event, at: t, rule.suppress) else { return nil }
            firing.values = values
            return firing
        case .absence:
            lastSeen = max(lastSeen, t)
            absenceReported = false
            lastEvent = event
            return nil
        case .sequence(let stepRules, let window):
            var matchedLast = false
            for k in stepRules.indices where stepRules[k].predicate.matches(event) {
                Self.insert(Hit(time: t, id: event.id), into: &steps[k])
                if k == stepRules.count - 1 { matchedLast = true }
            }
            for k in steps.indices { Self.prune(&steps[k], before: t - window) }
            guard matchedLast, let used = Self.ordered(steps, stepRules) else { return nil }
            for k in steps.indices { steps[k].removeAll() }
            return fire(count: used.count, ids: Array(used.suffix(Alert.maximumEventIDs)), event, at: t, rule.suppress)
        }
    }

    /// The events that satisfy the steps in order, taking the earliest that do; nil if they don't.
    static func ordered(_ steps: [HitWindow], _ rules: [AlertRule.Step]) -> [EventID]? {
        var cursor = Int64.min
        var used: [EventID] = []
        for k in rules.indices {
            var taken = 0
            for hit in steps[k] where hit.time >= cursor {
                taken += 1
                used.append(hit.id)
                if taken == rules[k].count {
                    cursor = hit.time
                    break
                }
            }
            if taken < rules[k].count { return nil }
        }
        return used
    }

    private mutating func fire(count: Int, ids: [EventID], _ event: AuditEvent, at t: Int64, _ suppress: Int64)
        -> Firing?
    {
        if t < suppressedUntil {
            suppressed += 1
            suppressedEvents += count
            return nil
        }
        let firing = Firing(count: count, ids: ids, suppressed: suppressed)
        suppressed = 0
        suppressedEvents = 0
        suppressedUntil = suppress > 0 ? t + suppress : .min
        lastEvent = event
        return firing
    }

    /// Whether nothing in the group can still contribute at `now` (it may be forgotten).
    func isIdle(at now: Int64, window: Int64) -> Bool {
        guard suppressed == 0, now >= suppressedUntil else { return false }
        let (lower, overflow) = now.subtractingReportingOverflow(window)
        if overflow { return false }
        if let last = hits.last, last.time >= lower { return false }
        if distinct.values.contains(where: { $0 >= lower }) { return false }
        for step in steps { if let last = step.last, last.time >= lower { return false } }
        return true
    }

    /// Appends, keeping time order when an event arrives late.
    @inline(__always) static func insert(_ hit: Hit, into hits: inout HitWindow) {
        guard let last = hits.last, last.time > hit.time else {
            hits.append(hit)
            return
        }
        var i = hits.count - 1
        while i > 0 && hits[i - 1].time > hit.time { i -= 1 }
        hits.insert(hit, at: i)
    }

    /// Drops hits older than `lower`.
    @inline(__always) static func prune(_ hits: inout HitWindow, before lower: Int64) {
        guard let first = hits.first, first.time < lower else { return }
        var n = 1
        while n < hits.count && hits[n].time < lower { n += 1 }
        hits.removeFirst(n)
    }
}
