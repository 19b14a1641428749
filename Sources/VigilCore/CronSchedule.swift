import Foundation

/// A cron schedule: five fields (`minute hour day-of-month month day-of-week`) or a nickname such as `@daily`.
///
/// Fields follow Vixie cron / cronie: `*`, lists (`1,2,5`), ranges (`1-5`), steps (`*/15`, `1-30/5`, and `5/10`
/// meaning `5-max/10`), month names `jan`-`dec` and weekday names `sun`-`sat` in any case; weekday `0` and `7`
/// are both Sunday. When day-of-month and day-of-week are both restricted (neither starts with `*`), a day
/// matches when either matches; otherwise both must.
///
/// Schedules are evaluated in the local time of a ``CronTimeZone``. Around daylight-saving changes:
/// - A local time that does not exist (clocks spring forward) fires once, at the first instant after the gap,
///   like cronie does for jobs inside the skipped hour: `30 2 * * *` in Europe/Berlin fires on 2026-03-29 at
///   03:00 CEST (01:00Z). Several skipped times collapse into that one fire.
/// - A local time that occurs twice (clocks fall back) fires once, at its first occurrence.
/// - Schedules whose hour field starts with `*` (`0 * * * *`, `*/5 * * * *`, `0 */2 * * *`) follow real time
///   instead: they fire at every instant whose local time matches, so they run in both copies of a repeated hour
///   and skip only the local times that do not exist.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given to ``init(parsing:)``.
    public var description: String { expression }

    let expression: String
    // Bit n set: value n matches. Days of the week count from Sunday = 0.
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    let daysOfWeek: UInt64
    /// The field starts with `*`: the day fields then combine with AND instead of OR.
    let dayOfMonthIsWildcard: Bool
    let dayOfWeekIsWildcard: Bool
    /// The hour field starts with `*`: fire at every real instant that matches, ignoring DST folding rules.
    let followsRealTime: Bool
    /// False for schedules no date satisfies, such as `0 0 30 2 *`.
    let canFire: Bool

    /// False for schedules no date satisfies, such as `0 0 30 2 *`.
    public var isSatisfiable: Bool { canFire }

    /// Parses a standard 5-field cron expression or a nickname:
    /// `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
    /// - Parameter expression: for example `*/15 9-17 * * mon-fri`.
    /// - Throws: ``CronScheduleError`` naming the field, the offending text and what was expected.
    public init(parsing expression: String) throws(CronScheduleError) {
        let tokens = expression.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        let fields: [Substring]
        if let first = tokens.first, first.hasPrefix("@") {
            guard tokens.count == 1, let expansion = Self.nicknames[first.lowercased()] else {
                throw CronScheduleError(
                    "unknown cron nickname \"\(expression)\"; expected @yearly, @annually, @monthly, @weekly, "
                        + "@daily, @midnight or @hourly")
            }
            fields = expansion.split(separator: " ")
        } else {
            guard tokens.count == 5 else {
                throw CronScheduleError(
                    "cron expression \"\(expression)\" has \(tokens.count) fields; expected 5 (minute hour "
                        + "day-of-month month day-of-week) or a nickname such as @daily")
            }
            fields = tokens
        }
        let specs = FieldSpec.all
        self.expression = expression
        minutes = try Self.parse(fields[0], specs[0])
        hours = try Self.parse(fields[1], specs[1])
        let daysOfMonth = try Self.parse(fields[2], specs[2])
        let months = try Self.parse(fields[3], specs[3])
        self.daysOfMonth = daysOfMonth
        self.months = months
        var weekdays = try Self.parse(fields[4], specs[4])
        if weekdays & (1 << 7) != 0 { weekdays = weekdays & ~(1 << 7) | 1 }
        daysOfWeek = weekdays
        dayOfMonthIsWildcard = fields[2].hasPrefix("*")
        dayOfWeekIsWildcard = fields[4].hasPrefix("*")
        followsRealTime = fields[1].hasPrefix("*")
        if !dayOfMonthIsWildcard && !dayOfWeekIsWildcard {
            canFire = true  // OR: every month has every weekday
        } else {
            // AND: some allowed day must exist in some allowed month (Feb 29 counts); over the 400-year
            // Gregorian cycle every date falls on every weekday.
            let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            canFire = (1...12).contains { month in
                months & (1 << month) != 0 && daysOfMonth & ((UInt64(2) << longest[month]) - 1) != 0
            }
        }
    }

    // MARK: - Searching

    /// The first fire time strictly after `time`.
    /// - Parameters:
    ///   - time: the instant to search from; a fire exactly at `time` is not returned.
    ///   - zone: whose local time the fields are read in.
    /// - Returns: nil when the schedule can never fire (`0 0 30 2 *`).
    public func nextFire(after time: Timestamp, in zone: CronTimeZone) -> Timestamp? {
        let first = floorDivide(time.microseconds, 1_000_000) + 1  // fires fall on whole seconds
        guard canFire, abs(first) < Self.largestSecond else { return nil }
        let horizon = first + Self.searchHorizon
        var span = zone.span(containing: first)
        while true {
            if let fire = firstFire(in: span, notBefore: first, before: horizon) {
                return Timestamp(microseconds: fire * 1_000_000)
            }
            guard let end = span.end, end < horizon else { return nil }
            span = zone.span(startingAt: end, after: span)
        }
    }

    /// The latest fire time at or before `time`.
    /// - Parameters:
    ///   - time: the instant to search back from; a fire exactly at `time` is returned.
    ///   - zone: whose local time the fields are read in.
    /// - Returns: nil when the schedule can never fire (`0 0 30 2 *`).
    public func previousFire(atOrBefore time: Timestamp, in zone: CronTimeZone) -> Timestamp? {
        let last = floorDivide(time.microseconds, 1_000_000)
        guard canFire, abs(last) < Self.largestSecond else { return nil }
        let lowest = last - Self.searchHorizon
        var span = zone.span(containing: last)
        while true {
            if let fire = lastFire(in: span, atOrBefore: last, notBefore: lowest) {
                return Timestamp(microseconds: fire * 1_000_000)
            }
            guard let start = span.start, start > lowest else { return nil }
            span = zone.span(containing: start - 1)
        }
    }

    /// Gives up after this many seconds. Satisfiable schedules fire more often: the rarest, Feb 29 on one
    /// weekday (`0 0 29 2 */7`), leaves gaps of up to 40 years.
    static let searchHorizon: Int64 = 50 * 366 * 86_400
    /// Keeps second and microsecond arithmetic far from overflow (about 139,000 years).
    static let largestSecond: Int64 = 1 << 42

    /// The earliest fire in `span` within `[notBefore, before)`, in UTC seconds.
    private func firstFire(in span: OffsetSpan, notBefore first: Int64, before horizon: Int64) -> Int64? {
        let offset = Int64(span.offset)
        let previous = Int64(span.previousOffset)
        if !followsRealTime, let start = span.start, previous < offset, start >= first, start < horizon,
            firstLocalMatch(from: start + previous, before: start + offset) != nil
        {
            return start  // a local time skipped by the change fires when it ends
        }
        var from = max(span.start ?? first, first) + offset
        if !followsRealTime, let start = span.start {
            from = max(from, start + previous)  // local times repeated after a fall-back already fired
        }
        let until = min(span.end ?? horizon, horizon) + offset
        return firstLocalMatch(from: from, before: until).map { $0 - offset }
    }

    /// The latest fire in `span` within `[notBefore, atOrBefore]`, in UTC seconds.
    private func lastFire(in span: OffsetSpan, atOrBefore last: Int64, notBefore lowest: Int64) -> Int64? {
        let offset = Int64(span.offset)
        let previous = Int64(span.previousOffset)
        let upper = min(span.end.map { $0 - 1 } ?? last, last) + offset
        var lower = max(span.start ?? lowest, lowest) + offset
        if !followsRealTime, let start = span.start {
            lower = max(lower, start + previous)
        }
        if let local = lastLocalMatch(atOrBefore: upper, notBefore: lower) {
            return local - offset
        }
        if !followsRealTime, let start = span.start, previous < offset, start <= last, start >= lowest,
            firstLocalMatch(from: start + previous, before: start + offset) != nil
        {
            return start
        }
        return nil
    }

    /// The first matching local minute at or after `from` and before `limit` (local seconds since the epoch),
    /// advancing by whole months, days, hours and minutes.
    func firstLocalMatch(from: Int64, before limit: Int64) -> Int64? {
        let minuteNumber = floorDivide(from + 59, 60)  // round up to a whole minute
        var day = floorDivide(minuteNumber, 1440)
        let minuteOfDay = Int(minuteNumber - day * 1440)
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        let civil = CivilDate(daysSinceEpoch: day)
        var (year, month, dayOfMonth) = (Int(civil.year), Int(civil.month), Int(civil.day))
        func nextDay() {
            day += 1
            dayOfMonth += 1
            (hour, minute) = (0, 0)
            if dayOfMonth > CivilDate.daysIn(month: month, year: year) {
                dayOfMonth = 1
                month += 1
                if month > 12 { (month, year) = (1, year + 1) }
            }
        }
        while true {
            let value = day * 86_400 + Int64(hour * 3600 + minute * 60)
            guard value < limit else { return nil }
            if months & (1 << month) == 0 {
                if let next = nextBit(months, after: month) {
                    month = next
                } else {
                    (month, year) = (months.trailingZeroBitCount, year + 1)
                }
                (dayOfMonth, hour, minute) = (1, 0, 0)
                day = CivilDate(year: Int64(year), month: Int64(month), day: 1).daysSinceEpoch
            } else if !dayMatches(day: day, dayOfMonth: dayOfMonth) {
                nextDay()
            } else if hours & (1 << hour) == 0 {
                if let next = nextBit(hours, after: hour) { (hour, minute) = (next, 0) } else { nextDay() }
            } else if minutes & (1 << minute) == 0 {
                if let next = nextBit(minutes, after: minute) {
                    minute = next
                } else if hour == 23 {
                    nextDay()
                } else {
                    (hour, minute) = (hour + 1, 0)
                }
            } else {
                return value
            }
        }
    }

    /// The last matching local minute at or before `upper` and not before `lower` (local seconds).
    func lastLocalMatch(atOrBefore upper: Int64, notBefore lower: Int64) -> Int64? {
        let minuteNumber = floorDivide(upper, 60)
        var day = floorDivide(minuteNumber, 1440)
        let minuteOfDay = Int(minuteNumber - day * 1440)
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        let civil = CivilDate(daysSinceEpoch: day)
        var (year, month, dayOfMonth) = (Int(civil.year), Int(civil.month), Int(civil.day))
        func previousDay() {
            day -= 1
            dayOfMonth -= 1
            (hour, minute) = (23, 59)
            if dayOfMonth == 0 {
                month -= 1
                if month == 0 { (month, year) = (12, year - 1) }
                dayOfMonth = CivilDate.daysIn(month: month, year: year)
            }
        }
        while true {
            let value = day * 86_400 + Int64(hour * 3600 + minute * 60)
            guard value >= lower else { return nil }
            if months & (1 << month) == 0 {
                if let previous = previousBit(months, before: month) {
                    month = previous
                } else {
                    (month, year) = (63 - months.leadingZeroBitCount, year - 1)
                }
                (dayOfMonth, hour, minute) = (CivilDate.daysIn(month: month, year: year), 23, 59)
                day = CivilDate(year: Int64(year), month: Int64(month), day: Int64(dayOfMonth)).daysSinceEpoch
            } else if !dayMatches(day: day, dayOfMonth: dayOfMonth) {
                previousDay()
            } else if hours & (1 << hour) == 0 {
                if let previous = previousBit(hours, before: hour) { (hour, minute) = (previous, 59) } else {
                    previousDay()
                }
            } else if minutes & (1 << minute) == 0 {
                if let previous = previousBit(minutes, before: minute) {
                    minute = previous
                } else if hour == 0 {
                    previousDay()
                } else {
                    (hour, minute) = (hour - 1, 59)
                }
            } else {
                return value
            }
        }
    }

    private func dayMatches(day: Int64, dayOfMonth: Int) -> Bool {
        let weekday = Int(floorModulo(day + 4, 7))  // 1970-01-01 was a Thursday
        let byMonth = daysOfMonth & (1 << dayOfMonth) != 0
        let byWeek = daysOfWeek & (1 << weekday) != 0
        return dayOfMonthIsWildcard || dayOfWeekIsWildcard ? byMonth && byWeek : byMonth || byWeek
    }

    // MARK: - Parsing

    static let nicknames: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    struct FieldSpec: Sendable {
        let number: Int
        let name: String
        let range: ClosedRange<Int>
        /// Three-letter names for `range.lowerBound` onwards.
        let names: [String]

        static let all = [
            FieldSpec(number: 1, name: "minute", range: 0...59, names: []),
            FieldSpec(number: 2, name: "hour", range: 0...23, names: []),
            FieldSpec(number: 3, name: "day-of-month", range: 1...31, names: []),
            FieldSpec(
                number: 4, name: "month", range: 1...12,
                names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
            FieldSpec(
                number: 5, name: "day-of-week", range: 0...7,
                names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
        ]

        var expected: String {
            let numbers = "\(range.lowerBound)-\(range.upperBound)"
            return names.isEmpty ? numbers : "\(numbers) or \(names[0])-\(names[names.count - 1])"
        }

        func error(_ detail: String) -> CronScheduleError {
            CronScheduleError("cron field \(number) (\(name)): \(detail)")
        }
    }

    private static func parse(_ text: Substring, _ spec: FieldSpec) throws(CronScheduleError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw spec.error("empty list item in \"\(text)\"") }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let base = parts[0]
            let low: Int
            let high: Int
            if base == "*" {
                (low, high) = (spec.range.lowerBound, spec.range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], spec)
                high = try value(base[base.index(after: dash)...], spec)
                guard low <= high else {
                    throw spec.error("range \"\(base)\" is reversed; expected the lower value first")
                }
            } else {
                low = try value(base, spec)
                high = parts.count == 2 ? spec.range.upperBound : low
            }
            var step = 1
            if parts.count == 2 {
                let stepText = parts[1]
                guard stepText.count <= 3, stepText.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let number = Int(stepText), (1...spec.range.upperBound).contains(number)
                else {
                    throw spec.error(
                        "step \"\(stepText)\" in \"\(item)\" must be a number from 1 to \(spec.range.upperBound)")
                }
                step = number
            }
            for value in stride(from: low, through: high, by: step) { mask |= 1 << value }
        }
        return mask
    }

    private static func value(_ text: Substring, _ spec: FieldSpec) throws(CronScheduleError) -> Int {
        guard !text.isEmpty else { throw spec.error("missing value; expected \(spec.expected)") }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard text.count <= 3, let number = Int(text), spec.range.contains(number) else {
                throw spec.error(
                    "\"\(text)\" is out of range \(spec.range.lowerBound)-\(spec.range.upperBound)")
            }
            return number
        }
        if !spec.names.isEmpty, text.allSatisfy({ $0.isASCII && $0.isLetter }) {
            guard let index = spec.names.firstIndex(of: text.lowercased()) else {
                throw spec.error("unknown name \"\(text)\"; expected \(spec.expected)")
            }
            return spec.range.lowerBound + index
        }
        throw spec.error("\"\(text)\" is not a number; expected \(spec.expected)")
    }
}

/// Why a cron expression was rejected, as a sentence naming the field, the offending text and what was
/// expected: `cron field 3 (day-of-month): "32" is out of range 1-31`.
public struct CronScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public var description: String { message }

    init(_ message: String) { self.message = message }
}

// MARK: - Time zone

/// The UTC offsets a ``CronSchedule`` reads local time in: a fixed offset, or an IANA zone with its
/// daylight-saving rules (through Foundation's `TimeZone`).
public struct CronTimeZone: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case fixed(Int)
        case named(TimeZone)
    }

    let storage: Storage

    public static let utc = CronTimeZone(fixedOffsetSeconds: 0)

    /// - Parameter fixedOffsetSeconds: seconds east of UTC, at most one day either way.
    public init(fixedOffsetSeconds: Int) {
        precondition(abs(fixedOffsetSeconds) <= 86_400, "UTC offset beyond one day")
        storage = .fixed(fixedOffsetSeconds)
    }

    /// - Parameter identifier: an IANA name such as `Europe/Berlin`, or `UTC`.
    /// - Returns: nil if the name is unknown.
    public init?(identifier: String) {
        if identifier == "UTC" {
            self = .utc
            return
        }
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        storage = .named(zone)
    }

    /// Seconds east of UTC in effect at `utc`.
    public func offset(at utc: Timestamp) -> Int {
        offset(atSecond: floorDivide(utc.microseconds, 1_000_000))
    }

    func offset(atSecond second: Int64) -> Int {
        switch storage {
        case .fixed(let offset): return offset
        case .named(let zone): return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second)))
        }
    }

    /// How far back to look for the change that began a span; real zones change at least this often or their
    /// offset before is the same as after.
    private static let lookBack: Int64 = 400 * 86_400

    /// The stretch of constant offset that contains `second` (UTC seconds).
    func span(containing second: Int64) -> OffsetSpan {
        guard case .named = storage else {
            let offset = offset(atSecond: second)
            return OffsetSpan(start: nil, end: nil, offset: offset, previousOffset: offset)
        }
        // Without a change in the look-back window the span starts there, on a boundary with equal offsets.
        var start = second - Self.lookBack
        while let change = transition(after: start), change <= second { start = change }
        return OffsetSpan(
            start: start, end: transition(after: second), offset: offset(atSecond: second),
            previousOffset: offset(atSecond: start - 1))
    }

    /// The span that begins at `start`, the end of `previous`.
    func span(startingAt start: Int64, after previous: OffsetSpan) -> OffsetSpan {
        OffsetSpan(
            start: start, end: transition(after: start), offset: offset(atSecond: start),
            previousOffset: previous.offset)
    }

    private func transition(after second: Int64) -> Int64? {
        guard case .named(let zone) = storage,
            let date = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(second)))
        else { return nil }
        return max(Int64(date.timeIntervalSince1970.rounded()), second + 1)
    }
}

/// UTC seconds `[start, end)` in which a zone keeps one offset; nil bounds are unbounded.
struct OffsetSpan {
    var start: Int64?
    var end: Int64?
    var offset: Int
    /// The offset just before `start`; equal to `offset` when `start` is not a change.
    var previousOffset: Int
}

// MARK: - Arithmetic

/// Division rounding towards negative infinity (for a positive `b`).
@inlinable @inline(__always) public func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return a % b < 0 ? quotient - 1 : quotient
}

/// The remainder of `floorDivide`, in `0..<b` (for a positive `b`).
@inlinable @inline(__always) public func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
    let remainder = a % b
    return remainder < 0 ? remainder + b : remainder
}

/// The lowest set bit above `n`.
@inline(__always) private func nextBit(_ mask: UInt64, after n: Int) -> Int? {
    let rest = (mask >> (n + 1)) << (n + 1)
    return rest == 0 ? nil : rest.trailingZeroBitCount
}

/// The highest set bit below `n`.
@inline(__always) private func previousBit(_ mask: UInt64, before n: Int) -> Int? {
    let rest = mask & ((1 << n) &- 1)
    return rest == 0 ? nil : 63 - rest.leadingZeroBitCount
}
