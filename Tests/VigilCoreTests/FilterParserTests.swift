import Testing
import VigilCore

@Suite struct FilterParserTests {
    private func parse(_ text: String) throws -> Filter { try Filter.parse(text) }

    private func error(_ text: String) -> FilterError? {
        do {
            _ = try Filter.parse(text)
            return nil
        } catch {
            return error
        }
    }

    private static let day = Timestamp(year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)

    @Test(arguments: ["", "   ", "\t\n"])
    func blankFilterMatchesEverything(text: String) throws {
        #expect(try parse(text) == .all)
    }

    @Test func parsesFieldTermsAndWildcards() throws {
        #expect(try parse("actor:john.smith") == .match(.text("actor"), FilterPattern(literal: "john.smith")))
        #expect(try parse("actor:john*") == .match(.text("actor"), FilterPattern(pieces: ["john", ""])))
        #expect(try parse("actor:*") == .exists(.text("actor")))
        #expect(try parse("actor:j?hn") == .match(.text("actor"), FilterPattern(literal: "j?hn")))
        #expect(try parse("actor:\"John Smith\"") == .match(.text("actor"), FilterPattern(literal: "John Smith")))
        #expect(try parse(#"actor:"a\"b\\c\*d""#) == .match(.text("actor"), FilterPattern(literal: #"a"b\c*d"#)))
        #expect(
            try parse("attrs.syslog.facility:auth") == .match(.attrs(["syslog", "facility"]), .init(literal: "auth")))
        #expect(try parse("attrs:*") == .exists(.structured("attrs")))
        #expect(try parse("hash:ab*") == .match(.digest("hash"), FilterPattern(pieces: ["ab", ""])))
    }

    @Test func expandsGroupsEntityAndDays() throws {
        let update = Filter.match(.text("action"), FilterPattern(literal: "update"))
        let delete = Filter.match(.text("action"), FilterPattern(literal: "delete"))
        #expect(try parse("action:(update or delete)") == .or([update, delete]))
        #expect(try parse("action:(update and not delete)") == .and([update, .not(delete)]))
        #expect(try parse("action:(update or (delete and update))") == .or([update, .and([delete, update])]))
        #expect(
            try parse("entity:customer/CUST-12345")
                == .and([
                    .match(.text("entity_type"), FilterPattern(literal: "customer")),
                    .match(.text("entity_id"), FilterPattern(literal: "CUST-12345")),
                ]))
        #expect(try parse("entity:customer") == .match(.text("entity_type"), FilterPattern(literal: "customer")))
        #expect(try parse("entity:*") == .exists(.text("entity_type")))
        #expect(
            try parse("time:2026-01-01")
                == .and([
                    .compare(.time("time"), .greaterOrEqual, .time(Self.day)),
                    .compare(.time("time"), .less, .time(Self.day.adding(microseconds: 86_400_000_000))),
                ]))
    }

    @Test func parsesComparisons() throws {
        #expect(try parse("status >= 500") == .compare(.number("status"), .greaterOrEqual, .number(.int(500))))
        #expect(try parse("status>=500") == .compare(.number("status"), .greaterOrEqual, .number(.int(500))))
        #expect(try parse("duration_ms > 1.5") == .compare(.number("duration_ms"), .greater, .number(.double(1.5))))
        #expect(
            try parse("attrs.records >= 1000") == .compare(.attrs(["records"]), .greaterOrEqual, .number(.int(1000))))
        #expect(try parse("status:500") == .compare(.number("status"), .equal, .number(.int(500))))
        #expect(try parse("bytes < -1e3") == .compare(.number("bytes"), .less, .number(.double(-1000))))
        #expect(try parse("time >= 2026-01-01") == .compare(.time("time"), .greaterOrEqual, .time(Self.day)))
        let ten = Self.day.adding(microseconds: 10 * 3_600_000_000)
        #expect(try parse("time < 2026-01-01T10:00:00Z") == .compare(.time("time"), .less, .time(ten)))
        #expect(
            try parse("received <= 2026-01-01T11:00:00+01:00") == .compare(.time("received"), .lessOrEqual, .time(ten)))
    }

    @Test func parsesNetworksSinceAndUntil() throws {
        #expect(try parse("ip:10.0.0.0/8") == .network(try #require(IPNetwork(cidr: "10.0.0.0/8"))))
        #expect(try parse("ip:2001:db8::/32") == .network(try #require(IPNetwork(cidr: "2001:db8::/32"))))
        #expect(try parse("ip:1.2.3.4") == .match(.text("ip"), FilterPattern(literal: "1.2.3.4")))
        #expect(try parse("ip:2001:db8::1") == .match(.text("ip"), FilterPattern(literal: "2001:db8::1")))
        #expect(try parse("since:2h") == .since(.ago(FilterDuration(microseconds: 7_200_000_000))))
        #expect(try parse("until:2w") == .until(.ago(FilterDuration(microseconds: 14 * 86_400_000_000))))
        #expect(try parse("since:2026-01-01") == .since(.absolute(Self.day)))
        #expect(try parse("until:2026-01-01T00:00:00Z") == .until(.absolute(Self.day)))
    }

    @Test func parsesFullText() throws {
        #expect(try parse("credit") == .text(FilterPattern(literal: "credit")))
        #expect(try parse("\"credit limit\"") == .text(FilterPattern(literal: "credit limit")))
        #expect(try parse("cred*") == .text(FilterPattern(pieces: ["cred", ""])))
        #expect(try parse("credit limit") == .and([.text(.init(literal: "credit")), .text(.init(literal: "limit"))]))
    }

    @Test func notBindsTighterThanAndWhichBindsTighterThanOr() throws {
        let a = Filter.text(.init(literal: "a"))
        let b = Filter.text(.init(literal: "b"))
        let c = Filter.text(.init(literal: "c"))
        #expect(try parse("a or b and c") == .or([a, .and([b, c])]))
        #expect(try parse("a and b or c") == .or([.and([a, b]), c]))
        #expect(try parse("a b or c") == .or([.and([a, b]), c]))
        #expect(try parse("not a and b") == .and([.not(a), b]))
        #expect(try parse("not (a and b)") == .not(.and([a, b])))
        #expect(try parse("(a or b) c") == .and([.or([a, b]), c]))
        #expect(try parse("-a b") == .and([.not(a), b]))
        #expect(try parse("a AND b OR NOT c") == .or([.and([a, b]), .not(c)]))
        #expect(try parse("a (b c)") == .and([a, b, c]))
        #expect(try parse("not not a") == .not(.not(a)))
    }

    @Test(arguments: [
        ("actor:", "expected a value after 'actor:' at column 7"),
        ("actor: bob", "expected a value after 'actor:' at column 7"),
        ("acter:bob", "unknown field 'acter'; did you mean 'actor'? at column 1"),
        ("kind:api and statu >= 5", "unknown field 'statu'; did you mean 'status'? at column 14"),
        ("status >=", "expected a value after 'status >=' at column 10"),
        ("status:abc", "expected a number after 'status:'; 'status' is a number field at column 8"),
        ("actor > 5", "'>' compares numbers and times; 'actor' is not a number or time field at column 9"),
        ("(a or b", "expected ')' to close the '(' at column 1, found the end of the filter at column 8"),
        ("a or", "expected a term, found the end of the filter at column 5"),
        ("and a", "expected a term before 'and' at column 1"),
        ("a)", "expected 'and', 'or' or the end of the filter, found ')' at column 2"),
        ("\"open", "missing closing '\"' for the quote opened at column 1"),
        (
            #""a\nb""#,
            #"unknown escape '\n' in quotes; use \" for a quote, \\ for a backslash, \* for a literal star at column 3"#
        ),
        (
            "since:yesterday",
            "expected a duration (30s, 15m, 2h, 7d, 2w) or a time (2026-01-01, RFC 3339) after 'since:' at column 7"
        ),
        ("ip:10.0.0.0/33", "expected an address or a block such as 10.0.0.0/8 after 'ip:' at column 4"),
        ("entity:customer/", "expected an entity id after '/' after 'entity:' at column 8"),
        (
            "changes:x",
            "'changes' can only be tested for presence (changes:*); name a member such as attrs.records at column 9"
        ),
        ("attrs..x:1", "empty member name in 'attrs..x'; write attrs.a.b at column 1"),
        (":x", "expected a field name before ':' at column 1"),
        ("time >= soon", "expected a time (2026-01-01, 2026-01-01T10:00:00Z) after 'time >=' at column 9"),
        ("action:(update or)", "expected a value, found ')' at column 18"),
    ])
    func reportsWhatWasExpectedAndWhere(text: String, message: String) {
        #expect(error(text)?.description == message)
    }

    @Test func unknownFieldWithoutCloseNamesListsWhatExists() {
        #expect(error("zzzzzz:1")?.message.hasPrefix("unknown field 'zzzzzz'; fields are") == true)
    }

    @Test func rendersCaretUnderTheColumn() throws {
        let failure = try #require(error("actor:"))
        #expect(failure.rendered(in: "actor:") == "expected a value after 'actor:' at column 7\n  actor:\n        ^")
        let tab = try #require(error("x\tacter:1"))
        #expect(tab.rendered(in: "x\tacter:1").hasSuffix("x acter:1\n    ^"))
    }

    @Test(arguments: [
        "actor:john.smith action:(update or delete) entity:customer/CUST-12345",
        "ip:192.0.2.0/24 and not outcome:success", "attrs.records >= 1000 and kind:api",
        "status >= 500 since:2h \"credit limit\"", "a or b and not (c or d)", "actor:\"a\\*b\" or actor:a*b",
        "message:\"(x) \\\"y\\\"\"", "not not a", "-(a or b) c", "ip:::ffff:0:0/96", "since:1h30m until:2026-01-01",
        "\"and\" or \"OR\"", "actor:\"\"", "attrs.a.b:*", "duration_ms:2.0", "\"-x\"",
    ])
    func descriptionReadsBackToTheSameFilter(text: String) throws {
        let filter = try parse(text)
        #expect(try parse(filter.description) == filter, "\(filter.description)")
    }

    @Test func durationsParseAndPrint() {
        #expect(FilterDuration.parse("30s")?.microseconds == 30_000_000)
        #expect(FilterDuration.parse("15m")?.microseconds == 900_000_000)
        #expect(FilterDuration.parse("7d") == FilterDuration(microseconds: 604_800_000_000))
        #expect(FilterDuration.parse("1h30m")?.description == "1h30m")
        #expect(FilterDuration.parse("90m")?.description == "1h30m")
        #expect(FilterDuration.parse("250ms")?.microseconds == 250_000)
        for bad in ["", "h", "2", "2x", "-2h", "2H", "999999999999w"] { #expect(FilterDuration.parse(bad) == nil) }
    }

    @Test func numbersParseStrictly() {
        #expect(FilterNumber.parse("1000") == .int(1000))
        #expect(FilterNumber.parse("-1.5e2") == .double(-150))
        #expect(FilterNumber.parse("99999999999999999999") == .double(1e20))
        for bad in ["", "+1", ".5", "5.", "0x10", "inf", "nan", "1e", "1e999", " 1"] {
            #expect(FilterNumber.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func timeBoundsComeFromTopLevelConjunctions() throws {
        let now = Self.day
        let bounds = try parse("since:2h and time < 2026-01-01T10:00:00Z actor:x").timeBounds(now: now)
        #expect(bounds.lower == now.adding(microseconds: -7_200_000_000))
        #expect(bounds.upper == now.adding(microseconds: 36_000_000_000 - 1))
        let hull = try parse("(since:1h and a) or since:3h").timeBounds(now: now)
        #expect(hull.lower == now.adding(microseconds: -3 * 3_600_000_000) && hull.upper == nil)
        #expect(try parse("since:1h or a").timeBounds(now: now).lower == nil)
        #expect(try parse("not since:1h").timeBounds(now: now).lower == nil)
        let day = try parse("time:2026-01-01 until:2h").timeBounds(now: now)
        #expect(day.lower == now && day.upper == now.adding(microseconds: -7_200_000_001))
    }

    @Test func limitsNestingAndSize() {
        let deep = String(repeating: "(", count: Filter.maximumDepth + 1) + "a"
            + String(repeating: ")", count: Filter.maximumDepth + 1)
        #expect(error(deep)?.message == "filter nests deeper than \(Filter.maximumDepth) levels")
        #expect(error(String(repeating: "x", count: Filter.maximumLength + 1)) != nil)
        let ok = String(repeating: "(", count: Filter.maximumDepth) + "a"
            + String(repeating: ")", count: Filter.maximumDepth)
        #expect(error(ok) == nil)
    }
}
