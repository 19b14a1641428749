import Foundation
import Testing
import VigilCore
import VigilParsers

/// The `pattern` parser: rules from configuration, their load-time errors (with the rule index and key),
/// captures, constants, value maps, time formats, prefilters, and the malformed set.
@Suite struct PatternParserTests {
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)
    static let fixtures = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/pattern")

    static let shopRule: JSONValue = [
        "name": "orders",
        "match": ["app": "shop", "host": "web*"],
        "regex": #"^(?<ts>\S+) (?<actor>\S+) did (?<action>\w+) to (?<entity_type>\w+) #(?<entity_id>\d+)(?: records=(?<attrs.records>\d+))?$"#,
        "time": ["field": "ts", "format": "%Y-%m-%dT%H:%M:%S%z"],
        "fields": ["kind": "app", "category": "orders"],
        "map": ["action": ["POST": "create", "DELETE": "delete"]],
    ]

    static func makeParser(_ rules: [JSONValue]) throws -> PatternParser {
        try PatternParser(configuration: ParserConfiguration(options: ["rules": .array(rules)]))
    }

    static func process(_ bytes: [UInt8], _ parser: PatternParser, timeZone: TimeZone = .gmt) -> AuditEvent {
        let processor = LineProcessor(
            routes: [LineProcessor.Route(parser: PatternParser.name, requireParser: true, timeZone: timeZone)],
            parsers: [PatternParser.name: parser])
        return processor.process(ReceivedLine(bytes: bytes, received: reference, listener: "app"))
    }

    static func process(_ text: String, _ parser: PatternParser, timeZone: TimeZone = .gmt) -> AuditEvent {
        process(Array(text.utf8), parser, timeZone: timeZone)
    }

    @Test func fixtureYieldsExpectedEvent() throws {
        let parser = try Self.makeParser([Self.shopRule])
        let line = try Data(contentsOf: Self.fixtures.appendingPathComponent("shop.log"))
        let expected = try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("shop.json"))))
        let event = Self.process(Array(line), parser)
        #expect(event.error == nil, "\(event.error ?? "")")
        for (field, value) in try #require(expected.objectValue) {
            #expect(event.value(forField: field) == value, "\(field)")
        }
    }

    @Test func firstMatchingRuleWinsAndUnmappedValuesStay() throws {
        let parser = try Self.makeParser([
            Self.shopRule,
            ["regex": #"^(?<method>[A-Z]+) (?<url>\S+) (?<status>\d{3}) (?<bytes>\S+) (?<duration_ms>\S+)$"#,
             "map": ["method": ["GET": "get"]], "fields": ["attrs.source.kind": "web"]],
        ])
        let shop = Self.process("<134>1 2024-06-01T10:00:05Z web2 shop - - - 2024-06-01T10:00:00Z bob did PATCH to order #9", parser)
        #expect(shop.action == "PATCH")
        #expect(shop.attrs["records"] == nil)
        let web = Self.process("GET /admin/orders 200 - 1.5", parser)
        #expect(web.method == "get")
        #expect(web.status == 200)
        #expect(web.bytes == nil)
        #expect(web.durationMS == 1.5)
        #expect(web.attrs["source"] == ["kind": "web"])
        let unmatched = Self.process("something else entirely", parser)
        #expect(unmatched.action == AuditEvent.unparsedAction)
        #expect(unmatched.error?.contains("no rule") == true)
    }

    @Test(arguments: [
        ("rfc3339", "2024-06-01T10:00:00.25+02:00", "2024-06-01T08:00:00.250000Z"),
        ("rfc3339", "2024-06-01 10:00:00", "2024-06-01T08:00:00.000000Z"),
        ("epoch", "1717236000.5", "2024-06-01T10:00:00.500000Z"),
        ("epoch_ms", "1717236000123", "2024-06-01T10:00:00.123000Z"),
        ("clf", "01/Jun/2024:10:00:00 -0700", "2024-06-01T17:00:00.000000Z"),
        ("bsd", "Jun  1 10:00:00", "2024-06-01T08:00:00.000000Z"),
        ("%d.%m.%Y %H:%M:%S.%f", "01.06.2024 10:00:00.5", "2024-06-01T08:00:00.500000Z"),
        ("%b %e %T %Y", "Jun  1 10:00:00 2024", "2024-06-01T08:00:00.000000Z"),
        ("%s", "1717236000", "2024-06-01T10:00:00.000000Z"),
    ])
    func timeFormats(_ format: String, _ text: String, _ expected: String) throws {
        let parser = try Self.makeParser([["regex": #"^\[(?<when>[^\]]+)\] (?<action>\w+)$"#, "time": ["field": "when", "format": .string(format)]]])
        let zone = try #require(TimeZone(identifier: "Europe/Paris"))
        let event = Self.process("[\(text)] ping", parser, timeZone: zone)
        #expect(event.error == nil, "\(event.error ?? "")")
        #expect(event.time.rfc3339 == expected)
    }

    @Test func unreadableTimeIsAParseError() throws {
        let parser = try Self.makeParser([["regex": #"^(?<time>\S+) (?<action>\w+)$"#]])
        let event = Self.process("yesterday ping", parser)
        #expect(event.action == AuditEvent.unparsedAction)
        #expect(event.error?.contains("yesterday") == true)
    }

    @Test func matchConditionsFilterLines() throws {
        let parser = try Self.makeParser([
            ["match": ["prefix": "AUDIT "], "regex": #"AUDIT (?<actor>\w+)"#, "fields": ["category": "a"]],
            ["match": "billing", "regex": #"(?<actor>\w+) billing"#, "fields": ["category": "b"]],
            ["match": ["regex": "^x+$"], "regex": #"(?<actor>x+)"#, "fields": ["category": "c"]],
        ])
        #expect(Self.process("AUDIT bob", parser).category == "a")
        #expect(Self.process("carol billing", parser).category == "b")
        #expect(Self.process("xxx", parser).category == "c")
        #expect(Self.process("nothing here", parser).action == AuditEvent.unparsedAction)
    }

    // MARK: - Load-time errors

    static let badRules: [([JSONValue], String)] = [
        ([["regex": "^(?<actor>\\S+)"], ["regex": "ok (?<actor>x)"], ["regex": "(?<actor>[unclosed"]], "rules[2].regex"),
        ([["regex": "(?<actoor>x)"]], "rules[0].regex"),
        ([["regex": "(?<actor>x)", "colour": "red"]], "rules[0].colour"),
        ([["regex": "(?<actor>x)", "map": ["actoor": ["a": "b"]]]], "rules[0].map.actoor"),
        ([["regex": "(?<actor>x)", "fields": ["nope": "b"]]], "rules[0].fields.nope"),
        ([["regex": "(?<t>x)", "time": ["field": "t", "format": "%Q"]]], "rules[0].time.format"),
        ([["regex": "(?<actor>x)", "time": ["field": "missing"]]], "rules[0].time.field"),
        ([["regex": "(?<actor>x)", "match": ["application": "x"]]], "rules[0].match.application"),
        ([["regex": "(?<actor>x)", "match": ["regex": "("]]], "rules[0].match.regex"),
        ([["name": "no regex"]], "rules[0].regex"),
        ([], "rules"),
    ]

    @Test(arguments: 0..<badRules.count)
    func badRuleNamesItsPath(_ index: Int) {
        let (rules, path) = Self.badRules[index]
        let error = #expect(throws: ConfigurationError.self) { _ = try Self.makeParser(rules) }
        #expect(error?.path == path, "\(String(describing: error))")
    }

    @Test func unknownOptionFails() {
        let error = #expect(throws: ConfigurationError.self) {
            _ = try PatternParser(configuration: ParserConfiguration(options: ["rules": [["regex": "(?<actor>x)"]], "rulez": 1]))
        }
        #expect(error?.path == "rulez")
    }

    // MARK: - Malformed

    @Test func malformedLinesAreUnparsedNeverCrash() throws {
        let parser = try Self.makeParser([Self.shopRule, ["regex": #"^(?<actor>\w+) (?<action>\w+)$"#]])
        let lines: [[UInt8]] = [
            [],
            Array("2024-06-01T12:00:00+0200 alice did POST to order #".utf8),
            Array("bob ".utf8) + [0xFF, 0xFE],
            [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20),
        ]
        for line in lines {
            let event = Self.process(line, parser)
            #expect(event.action == AuditEvent.unparsedAction)
            #expect(event.error != nil)
        }
    }
}
