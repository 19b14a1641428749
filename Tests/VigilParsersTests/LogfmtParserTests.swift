import Foundation
import Testing
import VigilCore
import VigilParsers

/// The `logfmt` parser: fixtures in `Tests/Fixtures/logfmt/`, the json parser's aliases, numbers kept as
/// strings in `attrs`, quoting, and the malformed set.
@Suite struct LogfmtParserTests {
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)
    static let fixtures = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/logfmt")

    static func makeParser(_ options: [String: JSONValue] = [:]) throws -> LogfmtParser {
        try LogfmtParser(configuration: ParserConfiguration(options: options))
    }

    static func process(_ bytes: [UInt8], parser: LogfmtParser? = nil) -> AuditEvent {
        let parser = parser ?? (try? makeParser())
        let processor = LineProcessor(
            routes: [LineProcessor.Route(parser: LogfmtParser.name, requireParser: true)],
            parsers: parser.map { [LogfmtParser.name: $0] } ?? [:])
        return processor.process(ReceivedLine(bytes: bytes, received: reference, listener: "app"))
    }

    static func process(_ text: String, parser: LogfmtParser? = nil) -> AuditEvent {
        process(Array(text.utf8), parser: parser)
    }

    @Test func fixtureYieldsExpectedEvent() throws {
        let line = try Data(contentsOf: Self.fixtures.appendingPathComponent("app.log"))
        let expected = try JSONParser.parse(Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("app.json"))))
        let event = Self.process(Array(line))
        #expect(event.error == nil, "\(event.error ?? "")")
        for (field, value) in try #require(expected.objectValue) {
            #expect(event.value(forField: field) == value, "\(field)")
        }
    }

    @Test func numbersStayStringsInAttrs() {
        let event = Self.process("records=1500 bytes=42 ratio=0.5 empty=")
        #expect(event.attrs["records"] == "1500")
        #expect(event.attrs["ratio"] == "0.5")
        #expect(event.attrs["empty"] == "")
        #expect(event.bytes == 42)
    }

    @Test func afterASyslogHeader() {
        let event = Self.process(#"<14>1 2024-06-01T10:00:00Z web app 1 - - at=info method=GET path=/admin/orders status=302 fwd="1.2.3.4""#)
        #expect(event.method == "GET")
        #expect(event.url == "/admin/orders")
        #expect(event.status == 302)
        #expect(event.attrs["fwd"] == "1.2.3.4")
        #expect(event.app == "app")
    }

    @Test func configuredAliasesComeFirst() throws {
        let parser = try Self.makeParser(["aliases": ["actor": "who"]])
        let event = Self.process("who=carol user=ignored", parser: parser)
        #expect(event.actor == "carol")
        #expect(event.attrs["user"] == "ignored")
    }

    @Test func unknownOptionsAndAliasFieldsFail() {
        #expect(throws: ConfigurationError.self) { try Self.makeParser(["alias": ["actor": "who"]]) }
        let error = #expect(throws: ConfigurationError.self) {
            _ = try Self.makeParser(["aliases": ["nobody": "who"]])
        }
        #expect(error?.path == "aliases.nobody")
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("no pair", Array("just some words".utf8)),
        ("unterminated quote", Array(#"msg="never closed"#.utf8)),
        ("quote in bare value", Array(#"a=b"c"#.utf8)),
        ("starts with =", Array("=x a=b".utf8)),
        ("invalid UTF-8", Array("user=".utf8) + [0xC3, 0x28]),
        ("oversized", Array("msg=".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20 + 10)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedLineIsUnparsed(_ index: Int) {
        let (name, bytes) = Self.malformed[index]
        let event = Self.process(bytes)
        #expect(event.action == AuditEvent.unparsedAction, "\(name)")
        #expect(event.error != nil, "\(name)")
    }

    @Test func truncatedLinesNeverCrash() throws {
        let line = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent("app.log")))
        for cut in 0...line.count { _ = Self.process(Array(line[..<cut])) }
    }
}
