import Testing

@testable import VigilCore

@Suite struct CronScheduleTests {
    // MARK: - Parsing

    @Test func parsesStepsRangesAndLists() throws {
        let quarter = try CronSchedule(parsing: "*/15 * * * *")
        #expect(bits(quarter.minutes) == [0, 15, 30, 45])
        #expect(bits(quarter.hours) == Array(0...23))
        #expect(bits(quarter.daysOfMonth) == Array(1...31))
        #expect(bits(quarter.months) == Array(1...12))
        #expect(bits(quarter.daysOfWeek) == Array(0...6))
        #expect(quarter.description == "*/15 * * * *")

        let mixed = try CronSchedule(parsing: "1-30/5 5/10 1,2,5 3-4 1-5")
        #expect(bits(mixed.minutes) == [1, 6, 11, 16, 21, 26])
        #expect(bits(mixed.hours) == [5, 15])
        #expect(bits(mixed.daysOfMonth) == [1, 2, 5])
        #expect(bits(mixed.months) == [3, 4])
        #expect(bits(mixed.daysOfWeek) == [1, 2, 3, 4, 5])

        let combined = try CronSchedule(parsing: "0,30-32,50-59/4 0 1 1 *")
        #expect(bits(combined.minutes) == [0, 30, 31, 32, 50, 54, 58])
    }

    @Test func parsesNamesInAnyCase() throws {
        let schedule = try CronSchedule(parsing: "0 0 * Jan-MAR/2,dec mon-Fri")
        #expect(bits(schedule.months) == [1, 3, 12])
        #expect(bits(schedule.daysOfWeek) == [1, 2, 3, 4, 5])
        let weekend = try CronSchedule(parsing: "0 0 * * SAT,sun")
        #expect(bits(weekend.daysOfWeek) == [0, 6])
    }

    @Test(arguments: ["0", "7", "sun", "Sun"])
    func sundayIsZeroOrSeven(_ weekday: String) throws {
        let schedule = try CronSchedule(parsing: "0 12 * * \(weekday)")
        #expect(bits(schedule.daysOfWeek) == [0])
        #expect(try next("0 12 * * \(weekday)", after: "2026-01-01T00:00:00Z") == at("2026-01-04T12:00:00Z"))
    }

    @Test func weekdayRangesThroughSevenWrapToSunday() throws {
        #expect(bits(try CronSchedule(parsing: "0 0 * * 5-7").daysOfWeek) == [0, 5, 6])
        #expect(bits(try CronSchedule(parsing: "0 0 * * 0-7").daysOfWeek) == Array(0...6))
        #expect(bits(try CronSchedule(parsing: "0 0 * * */2").daysOfWeek) == [0, 2, 4, 6])
    }

    @Test func nicknamesExpandToTheirFields() throws {
        let expansions = [
            "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
            "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
        ]
        for (nickname, fields) in expansions {
            let short = try CronSchedule(parsing: nickname)
            let long = try CronSchedule(parsing: fields)
            #expect(short.description == nickname)
            #expect(short.minutes == long.minutes && short.hours == long.hours, "\(nickname)")
            #expect(short.daysOfMonth == long.daysOfMonth && short.months == long.months, "\(nickname)")
            #expect(short.daysOfWeek == long.daysOfWeek && short.followsRealTime == long.followsRealTime)
        }
        #expect(try next("@weekly", after: "2026-01-01T00:00:00Z") == at("2026-01-04T00:00:00Z"))
        #expect(try next("@yearly", after: "2026-01-01T00:00:00Z") == at("2027-01-01T00:00:00Z"))
    }

    @Test func wildcardFlagsFollowTheFirstCharacter() throws {
        let stepped = try CronSchedule(parsing: "0 */2 */2 * 1")
        #expect(stepped.followsRealTime)
        #expect(stepped.dayOfMonthIsWildcard)
        #expect(!stepped.dayOfWeekIsWildcard)
        let fixed = try CronSchedule(parsing: "0 0-23 1-31 * 0-7")
        #expect(!fixed.followsRealTime && !fixed.dayOfMonthIsWildcard && !fixed.dayOfWeekIsWildcard)
    }

    @Test func extraWhitespaceIsIgnored() throws {
        let schedule = try CronSchedule(parsing: "  0\t12  * *  1 ")
        #expect(bits(schedule.hours) == [12])
        #expect(bits(schedule.daysOfWeek) == [1])
    }

    @Test(arguments: [
        (
            "0 0 * *",
            "cron expression \"0 0 * *\" has 4 fields; expected 5 (minute hour day-of-month month day-of-week) "
                + "or a nickname such as @daily"
        ),
        (
            "",
            "cron expression \"\" has 0 fields; expected 5 (minute hour day-of-month month day-of-week) "
                + "or a nickname such as @daily"
        ),
        ("0 0 32 * *", "cron field 3 (day-of-month): \"32\" is out of range 1-31"),
        ("0 0 0 * *", "cron field 3 (day-of-month): \"0\" is out of range 1-31"),
        ("60 * * * *", "cron field 1 (minute): \"60\" is out of range 0-59"),
        ("0 0 * 13 *", "cron field 4 (month): \"13\" is out of range 1-12"),
        ("0 0 * * 8", "cron field 5 (day-of-week): \"8\" is out of range 0-7"),
        ("0 0-99999 * * *", "cron field 2 (hour): \"99999\" is out of range 0-23"),
        ("*/0 * * * *", "cron field 1 (minute): step \"0\" in \"*/0\" must be a number from 1 to 59"),
        ("0 1-5/x * * *", "cron field 2 (hour): step \"x\" in \"1-5/x\" must be a number from 1 to 23"),
        ("0 5-1 * * *", "cron field 2 (hour): range \"5-1\" is reversed; expected the lower value first"),
        ("0 0 * foo *", "cron field 4 (month): unknown name \"foo\"; expected 1-12 or jan-dec"),
        ("0 0 * * funday", "cron field 5 (day-of-week): unknown name \"funday\"; expected 0-7 or sun-sat"),
        ("x * * * *", "cron field 1 (minute): \"x\" is not a number; expected 0-59"),
        ("0 0 L * *", "cron field 3 (day-of-month): \"L\" is not a number; expected 1-31"),
        ("1,,2 * * * *", "cron field 1 (minute): empty list item in \"1,,2\""),
        ("1- * * * *", "cron field 1 (minute): missing value; expected 0-59"),
        (
            "@reboot",
            "unknown cron nickname \"@reboot\"; expected @yearly, @annually, @monthly, @weekly, @daily, "
                + "@midnight or @hourly"
        ),
    ])
    func rejectsMalformedExpressions(_ expression: String, _ message: String) {
        #expect(throws: CronScheduleError(message)) { try CronSchedule(parsing: expression) }
        do {
            _ = try CronSchedule(parsing: expression)
        } catch {
            #expect(error.description == message)
        }
    }

    // MARK: - Next and previous fire

    @Test func everyQuarterHour() throws {
        #expect(try next("*/15 * * * *", after: "2026-01-01T00:07:00Z") == at("2026-01-01T00:15:00Z"))
        #expect(try next("*/15 * * * *", after: "2026-01-01T00:15:00Z") == at("2026-01-01T00:30:00Z"))
        #expect(try next("*/15 * * * *", after: "2026-01-01T00:14:59.999999Z") == at("2026-01-01T00:15:00Z"))
        #expect(try next("*/15 * * * *", after: "2026-12-31T23:50:00Z") == at("2027-01-01T00:00:00Z"))
        #expect(try previous("*/15 * * * *", atOrBefore: "2026-01-01T00:15:00Z") == at("2026-01-01T00:15:00Z"))
        #expect(try previous("*/15 * * * *", atOrBefore: "2026-01-01T00:14:59Z") == at("2026-01-01T00:00:00Z"))
        #expect(try previous("*/15 * * * *", atOrBefore: "2026-01-01T00:05:00Z") == at("2026-01-01T00:00:00Z"))
    }

    @Test func weekdaysSkipTheWeekend() throws {
        // 2026-01-02 is a Friday.
        #expect(try next("30 2 * * 1-5", after: "2026-01-02T01:00:00Z") == at("2026-01-02T02:30:00Z"))
        #expect(try next("30 2 * * 1-5", after: "2026-01-02T02:30:00Z") == at("2026-01-05T02:30:00Z"))
        #expect(try previous("30 2 * * 1-5", atOrBefore: "2026-01-05T02:29:00Z") == at("2026-01-02T02:30:00Z"))
    }

    @Test func firstOfTheMonthCrossesMonthAndYearEnds() throws {
        #expect(try next("0 0 1 * *", after: "2026-01-31T12:00:00Z") == at("2026-02-01T00:00:00Z"))
        #expect(try next("0 0 1 * *", after: "2026-02-01T00:00:00Z") == at("2026-03-01T00:00:00Z"))
        #expect(try next("0 0 1 * *", after: "2026-12-15T00:00:00Z") == at("2027-01-01T00:00:00Z"))
        #expect(try previous("0 0 1 * *", atOrBefore: "2027-01-01T00:00:00Z") == at("2027-01-01T00:00:00Z"))
        #expect(try previous("0 0 1 * *", atOrBefore: "2026-12-31T23:59:59Z") == at("2026-12-01T00:00:00Z"))
        #expect(try next("0 0 31 * *", after: "2026-04-01T00:00:00Z") == at("2026-05-31T00:00:00Z"))
    }

    @Test func leapDayFiresOnlyInLeapYears() throws {
        #expect(try next("0 0 29 2 *", after: "2026-01-01T00:00:00Z") == at("2028-02-29T00:00:00Z"))
        #expect(try next("0 0 29 2 *", after: "2028-02-29T00:00:00Z") == at("2032-02-29T00:00:00Z"))
        #expect(try next("0 0 29 2 *", after: "2096-03-01T00:00:00Z") == at("2104-02-29T00:00:00Z"))
        #expect(try previous("0 0 29 2 *", atOrBefore: "2026-01-01T00:00:00Z") == at("2024-02-29T00:00:00Z"))
        #expect(try previous("0 0 29 2 *", atOrBefore: "2104-02-28T00:00:00Z") == at("2096-02-29T00:00:00Z"))
    }

    @Test func rareSchedulesAreFoundDecadesAway() throws {
        // Feb 29 that is also a Sunday: 2032, then 2060.
        #expect(try next("0 0 29 2 */7", after: "2026-01-01T00:00:00Z") == at("2032-02-29T00:00:00Z"))
        #expect(try next("0 0 29 2 */7", after: "2032-02-29T00:00:00Z") == at("2060-02-29T00:00:00Z"))
        #expect(try previous("0 0 29 2 */7", atOrBefore: "2060-02-28T00:00:00Z") == at("2032-02-29T00:00:00Z"))
    }

    @Test func restrictedDayFieldsMatchEither() throws {
        // 2026-01: Fridays are the 2nd, 9th, 16th; the 13th is a Tuesday.
        var time = try at("2026-01-01T00:00:00Z")
        var fires: [Timestamp] = []
        let schedule = try CronSchedule(parsing: "0 0 13 * 5")
        for _ in 0..<4 {
            time = try #require(schedule.nextFire(after: time, in: .utc))
            fires.append(time)
        }
        #expect(
            try fires == [
                at("2026-01-02T00:00:00Z"), at("2026-01-09T00:00:00Z"), at("2026-01-13T00:00:00Z"),
                at("2026-01-16T00:00:00Z"),
            ])
        #expect(try previous("0 0 13 * 5", atOrBefore: "2026-01-15T00:00:00Z") == at("2026-01-13T00:00:00Z"))
    }

    @Test func starredDayFieldsMatchBoth() throws {
        // Day-of-month `*/2` starts with `*`: odd days that are also Fridays (9th, 23rd).
        #expect(try next("0 0 */2 * 5", after: "2026-01-01T00:00:00Z") == at("2026-01-09T00:00:00Z"))
        #expect(try next("0 0 */2 * 5", after: "2026-01-09T00:00:00Z") == at("2026-01-23T00:00:00Z"))
        #expect(try next("0 0 13 * *", after: "2026-01-01T00:00:00Z") == at("2026-01-13T00:00:00Z"))
    }

    @Test func impossibleSchedulesNeverFire() throws {
        for expression in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 */2"] {
            let schedule = try CronSchedule(parsing: expression)
            #expect(schedule.nextFire(after: try at("2026-01-01T00:00:00Z"), in: .utc) == nil)
            #expect(schedule.previousFire(atOrBefore: try at("2026-01-01T00:00:00Z"), in: .utc) == nil)
        }
        // Either day field may match, so February 30th is not needed.
        #expect(try next("0 0 30 2 1", after: "2026-01-31T00:00:00Z") == at("2026-02-02T00:00:00Z"))
    }

    @Test func fixedOffsetsShiftLocalTime() throws {
        let india = CronTimeZone(fixedOffsetSeconds: 19_800)
        #expect(india.offset(at: try at("2026-06-01T00:00:00Z")) == 19_800)
        #expect(try next("0 9 * * *", after: "2026-01-01T00:00:00Z", in: india) == at("2026-01-01T03:30:00Z"))
        #expect(try next("0 9 * * *", after: "2026-01-01T03:30:00Z", in: india) == at("2026-01-02T03:30:00Z"))
        let chile = CronTimeZone(fixedOffsetSeconds: -10_800)
        #expect(try next("0 0 1 * *", after: "2026-01-01T00:00:00Z", in: chile) == at("2026-01-01T03:00:00Z"))
        #expect(try previous("0 0 1 * *", atOrBefore: "2026-01-01T02:59:00Z", in: chile) == at("2025-12-01T03:00:00Z"))
    }

    // MARK: - Daylight-saving time

    @Test func namedZonesResolveOffsets() throws {
        let berlin = try #require(CronTimeZone(identifier: "Europe/Berlin"))
        #expect(CronTimeZone(identifier: "Nowhere/Bogus") == nil)
        #expect(CronTimeZone(identifier: "UTC") == .utc)
        #expect(berlin.offset(at: try at("2026-01-15T12:00:00Z")) == 3600)
        #expect(berlin.offset(at: try at("2026-07-15T12:00:00Z")) == 7200)
        #expect(berlin.offset(at: try at("2026-03-29T00:59:59Z")) == 3600)
        #expect(berlin.offset(at: try at("2026-03-29T01:00:00Z")) == 7200)
        for hour in stride(from: Int64(1_767_225_600), to: 1_798_761_600, by: 3600) {
            #expect(berlin.offset(at: Timestamp(microseconds: hour * 1_000_000)) == Int(Self.berlinOffset(hour)))
        }
    }

    @Test func skippedLocalTimeFiresWhenTheGapEnds() throws {
        let berlin = try #require(CronTimeZone(identifier: "Europe/Berlin"))
        // 2026-03-29 02:30 does not exist in Berlin: clocks go from 02:00 CET to 03:00 CEST (01:00Z).
        #expect(try next("30 2 * * *", after: "2026-03-28T12:00:00Z", in: berlin) == at("2026-03-29T01:00:00Z"))
        #expect(try next("30 2 * * *", after: "2026-03-29T01:00:00Z", in: berlin) == at("2026-03-30T00:30:00Z"))
        #expect(try next("0 3 * * *", after: "2026-03-28T12:00:00Z", in: berlin) == at("2026-03-29T01:00:00Z"))
        // Several skipped times fire once.
        #expect(try next("0,30 2 * * *", after: "2026-03-29T00:00:00Z", in: berlin) == at("2026-03-29T01:00:00Z"))
        #expect(try next("0,30 2 * * *", after: "2026-03-29T01:00:00Z", in: berlin) == at("2026-03-30T00:00:00Z"))
        #expect(
            try previous("30 2 * * *", atOrBefore: "2026-03-29T01:00:00Z", in: berlin) == at("2026-03-29T01:00:00Z"))
        #expect(
            try previous("30 2 * * *", atOrBefore: "2026-03-29T00:59:59Z", in: berlin) == at("2026-03-28T01:30:00Z"))
        // Hourly schedules follow real hours: 01:00 CET (00:00Z), then 03:00 CEST (01:00Z).
        #expect(try next("0 * * * *", after: "2026-03-29T00:00:00Z", in: berlin) == at("2026-03-29T01:00:00Z"))
        #expect(try next("30 * * * *", after: "2026-03-29T00:45:00Z", in: berlin) == at("2026-03-29T01:30:00Z"))
    }

    @Test func repeatedLocalTimeFiresOnce() throws {
        let berlin = try #require(CronTimeZone(identifier: "Europe/Berlin"))
        // 2026-10-25 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
        #expect(try next("30 2 * * *", after: "2026-10-24T12:00:00Z", in: berlin) == at("2026-10-25T00:30:00Z"))
        #expect(try next("30 2 * * *", after: "2026-10-25T00:30:00Z", in: berlin) == at("2026-10-26T01:30:00Z"))
        #expect(
            try previous("30 2 * * *", atOrBefore: "2026-10-25T01:45:00Z", in: berlin) == at("2026-10-25T00:30:00Z"))
        #expect(try next("0 3 * * *", after: "2026-10-25T00:30:00Z", in: berlin) == at("2026-10-25T02:00:00Z"))
        // Hourly schedules run in both copies of the hour.
        #expect(try next("30 * * * *", after: "2026-10-25T00:30:00Z", in: berlin) == at("2026-10-25T01:30:00Z"))
        #expect(
            try previous("30 * * * *", atOrBefore: "2026-10-25T01:45:00Z", in: berlin) == at("2026-10-25T01:30:00Z"))
    }

    // MARK: - Properties

    @Test func agreesWithMinuteByMinuteSearchInFixedOffsets() throws {
        var random = SplitMix64(seed: 0x5EED_C12B)
        let zones = [0, 19_800, -10_800, 20_700, 46_800]
        let horizon: Int64 = 2 * 86_400
        for _ in 0..<200 {
            let reference = ReferenceCron.random(using: &random)
            let schedule = try CronSchedule(parsing: reference.text)
            let offset = Int64(zones[Int(random.next() % UInt64(zones.count))])
            let zone = CronTimeZone(fixedOffsetSeconds: Int(offset))
            let time = Timestamp(microseconds: 946_684_800_000_000 + Int64(random.next() % 1_300_000_000_000_000))
            let second = floorDivide(time.microseconds, 1_000_000)
            let context = Comment(rawValue: "\(reference.text) offset \(offset) after \(time)")

            var expectedNext: Int64?
            for minute in stride(from: (floorDivide(second, 60) + 1) * 60, to: second + horizon, by: 60)
            where reference.matches(local: minute + offset) {
                expectedNext = minute
                break
            }
            let actualNext = schedule.nextFire(after: time, in: zone)
            if let expectedNext {
                #expect(actualNext == Timestamp(microseconds: expectedNext * 1_000_000), context)
            } else if let actualNext {
                #expect(actualNext.microseconds >= (second + horizon) * 1_000_000, context)
            }
            if let actualNext {
                #expect(actualNext > time, context)
                #expect(reference.matches(local: actualNext.microseconds / 1_000_000 + offset), context)
                #expect(schedule.previousFire(atOrBefore: actualNext, in: zone) == actualNext, context)
                #expect(schedule.nextFire(after: actualNext.adding(microseconds: -1), in: zone) == actualNext, context)
            }

            var expectedPrevious: Int64?
            for minute in stride(from: floorDivide(second, 60) * 60, to: second - horizon, by: -60)
            where reference.matches(local: minute + offset) {
                expectedPrevious = minute
                break
            }
            let actualPrevious = schedule.previousFire(atOrBefore: time, in: zone)
            if let expectedPrevious {
                #expect(actualPrevious == Timestamp(microseconds: expectedPrevious * 1_000_000), context)
            } else if let actualPrevious {
                #expect(actualPrevious.microseconds <= (second - horizon) * 1_000_000, context)
            }
        }
    }

    @Test func agreesWithMinuteByMinuteSearchAcrossBerlinChanges() throws {
        let berlin = try #require(CronTimeZone(identifier: "Europe/Berlin"))
        let minuteFields: [(String, Set<Int>)] = [
            ("0", [0]), ("30", [30]), ("*/15", [0, 15, 30, 45]), ("*", Set(0...59)), ("59", [59]),
            ("0,30", [0, 30]), ("45", [45]),
        ]
        let hourFields: [(String, Set<Int>)] = [
            ("2", [2]), ("1-3", [1, 2, 3]), ("*", Set(0...23)), ("*/2", Set(stride(from: 0, to: 24, by: 2))),
            ("2,3", [2, 3]), ("3", [3]), ("1", [1]), ("0-4/2", [0, 2, 4]), ("*/3", Set(stride(from: 0, to: 24, by: 3))),
        ]
        let weekdayFields: [(String, Set<Int>)] = [("*", Set(0...6)), ("0", [0]), ("sat", [6])]
        let changes: [Int64] = [1_774_746_000, 1_792_890_000]
        var random = SplitMix64(seed: 0xDA7_11E)
        for _ in 0..<150 {
            let minute = minuteFields[Int(random.next() % UInt64(minuteFields.count))]
            let hour = hourFields[Int(random.next() % UInt64(hourFields.count))]
            let weekday = weekdayFields[Int(random.next() % UInt64(weekdayFields.count))]
            let reference = ReferenceCron(
                text: "\(minute.0) \(hour.0) * * \(weekday.0)", minutes: minute.1, hours: hour.1,
                daysOfMonth: Set(1...31), months: Set(1...12), weekdays: weekday.1,
                dayOfMonthIsWildcard: true, dayOfWeekIsWildcard: true)
            let schedule = try CronSchedule(parsing: reference.text)
            let change = changes[Int(random.next() % 2)]
            let second = change - 86_400 + Int64(random.next() % (2 * 86_400))
            let time = Timestamp(microseconds: second * 1_000_000 + Int64(random.next() % 1_000_000))
            let fires = reference.berlinFires(
                from: second - 3 * 86_400, to: second + 3 * 86_400, realTime: hour.0.hasPrefix("*"))
            let context = Comment(rawValue: "\(reference.text) around \(time)")

            let expectedNext = fires.first { $0 * 1_000_000 > time.microseconds }
            let actualNext = schedule.nextFire(after: time, in: berlin)
            if let expectedNext {
                #expect(actualNext == Timestamp(microseconds: expectedNext * 1_000_000), context)
            } else {
                let end = Timestamp(microseconds: (second + 3 * 86_400) * 1_000_000)
                #expect(actualNext.map { $0 >= end } ?? true, context)
            }
            let expectedPrevious = fires.last { $0 * 1_000_000 <= time.microseconds }
            let actualPrevious = schedule.previousFire(atOrBefore: time, in: berlin)
            if let expectedPrevious {
                #expect(actualPrevious == Timestamp(microseconds: expectedPrevious * 1_000_000), context)
            } else {
                let start = Timestamp(microseconds: (second - 3 * 86_400) * 1_000_000)
                #expect(actualPrevious.map { $0 < start } ?? true, context)
            }
            if let actualNext {
                #expect(schedule.previousFire(atOrBefore: actualNext, in: berlin) == actualNext, context)
            }
        }
    }

    // MARK: - Helpers

    private func at(_ text: String) throws -> Timestamp { try #require(Timestamp.parse(text)) }

    private func next(_ expression: String, after text: String, in zone: CronTimeZone = .utc) throws -> Timestamp? {
        try CronSchedule(parsing: expression).nextFire(after: at(text), in: zone)
    }

    private func previous(_ expression: String, atOrBefore text: String, in zone: CronTimeZone = .utc) throws
        -> Timestamp?
    {
        try CronSchedule(parsing: expression).previousFire(atOrBefore: at(text), in: zone)
    }

    private func bits(_ mask: UInt64) -> [Int] { (0..<64).filter { mask & (1 << $0) != 0 } }

    /// Europe/Berlin in 2026, written out: CEST from 03-29 01:00Z to 10-25 01:00Z.
    static func berlinOffset(_ second: Int64) -> Int64 {
        (1_774_746_000..<1_792_890_000).contains(second) ? 7200 : 3600
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a / b - (a % b < 0 ? 1 : 0) }

/// Deterministic random numbers, so a failure names a reproducible case.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A cron expression built together with the values it stands for, checked minute by minute.
private struct ReferenceCron {
    var text: String
    var minutes: Set<Int>
    var hours: Set<Int>
    var daysOfMonth: Set<Int>
    var months: Set<Int>
    var weekdays: Set<Int>
    var dayOfMonthIsWildcard: Bool
    var dayOfWeekIsWildcard: Bool

    func matches(local second: Int64) -> Bool {
        let day = floorDivide(second, 86_400)
        let minuteOfDay = Int(floorDivide(second, 60) - day * 1440)
        let date = CivilDate(daysSinceEpoch: day)
        let weekday = Int(((day + 4) % 7 + 7) % 7)
        let byMonth = daysOfMonth.contains(Int(date.day))
        let byWeek = weekdays.contains(weekday)
        let dayMatches = dayOfMonthIsWildcard || dayOfWeekIsWildcard ? byMonth && byWeek : byMonth || byWeek
        return minutes.contains(minuteOfDay % 60) && hours.contains(minuteOfDay / 60)
            && months.contains(Int(date.month)) && dayMatches
    }

    /// Fires in `[from, to)` under the documented DST rules, walking every UTC minute: fixed-time schedules fire
    /// at the first occurrence of a local time, or where the clock jumps over it; real-time ones wherever the
    /// local time matches.
    func berlinFires(from: Int64, to: Int64, realTime: Bool) -> [Int64] {
        var fires: [Int64] = []
        let warmUp = floorDivide(from - 86_400, 60) * 60
        var latestLocal = warmUp + CronScheduleTests.berlinOffset(warmUp) - 60
        for second in stride(from: warmUp, to: to, by: 60) {
            let local = second + CronScheduleTests.berlinOffset(second)
            var fire = false
            if realTime {
                fire = matches(local: local)
            } else {
                if local > latestLocal + 60 {
                    fire = stride(from: latestLocal + 60, to: local, by: 60).contains { matches(local: $0) }
                }
                if local > latestLocal && matches(local: local) { fire = true }
                latestLocal = max(latestLocal, local)
            }
            if fire && second >= from { fires.append(second) }
        }
        return fires
    }

    static func random(using random: inout SplitMix64) -> ReferenceCron {
        let minute = field(0...59, names: [], wildcardPercent: 15, using: &random)
        let hour = field(0...23, names: [], wildcardPercent: 40, using: &random)
        let day = field(1...31, names: [], wildcardPercent: 70, using: &random)
        let month = field(
            1...12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
            wildcardPercent: 75, using: &random)
        let weekday = field(
            0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], wildcardPercent: 60, using: &random)
        return ReferenceCron(
            text: [minute.text, hour.text, day.text, month.text, weekday.text].joined(separator: " "),
            minutes: minute.values, hours: hour.values, daysOfMonth: day.values, months: month.values,
            weekdays: Set(weekday.values.map { $0 % 7 }), dayOfMonthIsWildcard: day.text.hasPrefix("*"),
            dayOfWeekIsWildcard: weekday.text.hasPrefix("*"))
    }

    /// One random field: `*`, `*/k`, `a`, `a-b`, `a-b/k`, `a/k` or a list; names in random case where allowed.
    private static func field(
        _ range: ClosedRange<Int>, names: [String], wildcardPercent: UInt64, using random: inout SplitMix64
    ) -> (text: String, values: Set<Int>) {
        func pick(_ bound: ClosedRange<Int>) -> Int { bound.lowerBound + Int(random.next() % UInt64(bound.count)) }
        func render(_ value: Int) -> String {
            // 7 stays a number: `fri-sun` would read as the reversed range 5-0.
            guard value - range.lowerBound < names.count, random.next() % 3 == 0 else { return String(value) }
            let name = names[value - range.lowerBound]
            return random.next() % 2 == 0 ? name.uppercased() : name
        }
        func step() -> Int { pick(1...min(range.upperBound, 20)) }
        func item() -> (String, Set<Int>) {
            switch random.next() % 5 {
            case 0:
                let a = pick(range)
                return (render(a), [a])
            case 1:
                let a = pick(range)
                let b = pick(a...range.upperBound)
                return ("\(render(a))-\(render(b))", Set(a...b))
            case 2:
                let a = pick(range)
                let b = pick(a...range.upperBound)
                let k = step()
                return ("\(render(a))-\(render(b))/\(k)", Set(stride(from: a, through: b, by: k)))
            case 3:
                let a = pick(range)
                let k = step()
                return ("\(render(a))/\(k)", Set(stride(from: a, through: range.upperBound, by: k)))
            default:
                let k = step()
                return ("*/\(k)", Set(stride(from: range.lowerBound, through: range.upperBound, by: k)))
            }
        }
        if random.next() % 100 < wildcardPercent { return ("*", Set(range)) }
        let count = random.next() % 4 == 0 ? 2 + Int(random.next() % 2) : 1
        var texts: [String] = []
        var values: Set<Int> = []
        for _ in 0..<count {
            let (text, itemValues) = item()
            texts.append(text)
            values.formUnion(itemValues)
        }
        return (texts.joined(separator: ","), values)
    }
}
