import Foundation
import Testing
import VigilCore
import VigilParsers

/// The `cef` parser: fixtures in `Tests/Fixtures/cef/<case>.log` with the expected event fields in
/// `<case>.json`, escaping, severities, times, and the malformed set.
@Suite struct CEFParserTests {
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)
    static let fixtures = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/cef")

    static let processor = LineProcessor(
        routes: [LineProcessor.Route(parser: CEFParser.name, requireParser: true)],
        parsers: [CEFParser.name: makeParser()])

    static func makeParser() -> CEFParser {
        (try? CEFParser(configuration: ParserConfiguration())) ?? { preconditionFailure("no options") }()
    }

    static func process(_ bytes: [UInt8]) -> AuditEvent {
        processor.process(ReceivedLine(bytes: bytes, received: reference, listener: "cef"))
    }

    static func process(_ text: String) -> AuditEvent { process(Array(text.utf8)) }

    static let fixtureNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return names.filter { $0.hasSuffix(".log") }.map { String($0.dropLast(4)) }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(Self.fixtureNames.count >= 2)
    }

    @Test(arguments: fixtureNames)
    func fixtureYieldsExpectedEvent(_ name: String) throws {
        let line = try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).log"))
        let expected = try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).json"))))
        let event = Self.process(Array(line))
        #expect(event.error == nil, "\(event.error ?? "")")
        for (field, value) in try #require(expected.objectValue) {
            #expect(event.value(forField: field) == value, "\(name): \(field)")
        }
    }

    @Test(arguments: [
        ("0", "info"), ("3", "low"), ("5", "medium"), ("8", "high"), ("10", "critical"), ("Very-High", "critical"),
        ("Low", "low"),
    ])
    func severityMapsOntoScale(_ cef: String, _ expected: String) {
        let event = Self.process("CEF:0|V|P|1|1|N|\(cef)|act=login")
        #expect(event.severity == expected)
        #expect(event.action == "login")
    }

    @Test func extensionValuesHoldBlanksAndEscapes() {
        let event = Self.process(#"CEF:1|V|P|1|1|N|3|msg=a b c\=d e\\f cs2Label=Old Value cs2=x y cn1=7 fname=report final.pdf"#)
        #expect(event.message == #"a b c=d e\f"#)
        #expect(event.attrs["Old Value"] == "x y")
        #expect(event.attrs["cn1"] == "7")
        #expect(event.attrs["fname"] == "report final.pdf")
        #expect(event.attrs["cef_version"] == "1")
        #expect(event.action == "event")
    }

    @Test func headerEscapesAreUndone() {
        let event = Self.process(#"CEF:0|Ven\|dor|Pro\\duct|1|sig|Name with \| pipe|2|suser=bob"#)
        #expect(event.attrs["device_vendor"] == "Ven|dor")
        #expect(event.attrs["device_product"] == #"Pro\duct"#)
        #expect(event.message == "Name with | pipe")
        #expect(event.actor == "bob")
    }

    @Test func timesInEveryFormat() {
        let local = Self.process("CEF:0|V|P|1|1|N|3|start=Jun 01 2024 10:00:00.250")
        #expect(local.time.rfc3339 == "2024-06-01T10:00:00.250000Z")
        let rfc = Self.process("CEF:0|V|P|1|1|N|3|rt=2024-06-01T10:00:00+02:00")
        #expect(rfc.time.rfc3339 == "2024-06-01T08:00:00.000000Z")
        let bad = Self.process("CEF:0|V|P|1|1|N|3|rt=yesterday")
        #expect(bad.time == Self.reference)
        #expect(bad.attrs["rt"] == "yesterday")
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("not CEF", Array("hello world".utf8)),
        ("truncated header", Array("CEF:0|Vendor|Product|1.0|100|Na".utf8)),
        ("invalid UTF-8", Array("CEF:0|V|P|1|1|N|3|suser=".utf8) + [0xFF, 0xFE]),
        ("1 MB line", Array("CEF:0|V|P|1|1|N|3|msg=".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedLineIsUnparsed(_ index: Int) {
        let (name, bytes) = Self.malformed[index]
        let event = Self.process(bytes)
        #expect(event.action == AuditEvent.unparsedAction, "\(name)")
        #expect(event.error != nil, "\(name)")
    }

    @Test func truncatedLinesNeverCrash() throws {
        let line = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("portal.log")))
        for cut in 0...line.count { _ = Self.process(Array(line[..<cut])) }
        let escaped = Array(#"CEF:0|a\|b|c\\|d|e|f|1|k=v\=\\ x\ y=\"#.utf8)
        for cut in 0...escaped.count { _ = Self.process(Array(escaped[..<cut])) }
    }
}
