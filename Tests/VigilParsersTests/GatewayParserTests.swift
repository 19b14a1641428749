import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct GatewayParserTests {
    @Test(arguments: ["field-sets"])
    func fixtureLinesYieldExpectedEvents(_ name: String) throws {
        let fixture = WebFixture.load("gateway", name)
        #expect(!fixture.lines.isEmpty && fixture.lines.count == fixture.expected.count)
        let processor = WebFixture.processor(
            try GatewayParser(configuration: ParserConfiguration(options: fixture.options)), name: GatewayParser.name)
        for (index, (line, expected)) in zip(fixture.lines, fixture.expected).enumerated() {
            let event = WebFixture.process(processor, line)
            #expect(event.action != AuditEvent.unparsedAction, "\(name)[\(index)]: \(event.error ?? "")")
            let problems = WebFixture.mismatches(event, expected)
            #expect(problems.isEmpty, "\(name)[\(index)]: \(problems)")
        }
    }

    @Test func behindASyslogHeader() throws {
        let processor = WebFixture.processor(try GatewayParser(configuration: ParserConfiguration()), name: GatewayParser.name)
        let event = WebFixture.process(
            processor,
            Array(#"<134>Nov 22 10:00:00 gw1 kong: {"request":{"method":"GET","uri":"/x"},"response":{"status":200}}"#.utf8))
        #expect(event.kind == "api" && event.app == "kong" && event.url == "/x" && event.action == "view")
    }

    @Test func malformedLinesBecomeUnparsed() throws {
        let processor = WebFixture.processor(try GatewayParser(configuration: ParserConfiguration()), name: GatewayParser.name)
        let malformed: [[UInt8]] = [
            Array(#"{"request":{"method":"GET""#.utf8),
            Array(#"{"hello":"world"}"#.utf8),
            Array(#"[1,2,3]"#.utf8),
            Array("GET /x 200".utf8),
            [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D],
            Array(#"{"method":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20),
        ]
        for line in malformed {
            let event = WebFixture.process(processor, line)
            #expect(event.action == AuditEvent.unparsedAction && event.error != nil)
        }
    }
}
