import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct ApacheParserTests {

    @Test(arguments: ["variants"])
    func fixtureLinesYieldExpectedEvents(_ name: String) throws {
        let fixture = WebFixture.load("apache", name)
        #expect(!fixture.lines.isEmpty && fixture.lines.count == fixture.expected.count)
        let processor = WebFixture.processor(
            try ApacheParser(configuration: ParserConfiguration(options: fixture.options)), name: ApacheParser.name)
        for (index, (line, expected)) in zip(fixture.lines, fixture.expected).enumerated() {
            let event = WebFixture.process(processor, line)
            #expect(event.action != AuditEvent.unparsedAction, "\(name)[\(index)]: \(event.error ?? "")")
            let problems = WebFixture.mismatches(event, expected)
            #expect(problems.isEmpty, "\(name)[\(index)]: \(problems)")
        }
    }

    @Test func malformedLinesBecomeUnparsed() throws {
        let processor = WebFixture.processor(try ApacheParser(configuration: ParserConfiguration()), name: ApacheParser.name)
        let malformed: [[UInt8]] = [
            Array("[Mon Dec 26 16:22".utf8),
            Array("[Mon Foo 26 16:22:00 2016] [error] x".utf8),
            Array(#"host - - [26/Dec/2016:16:22:00 +0000]"#.utf8),
            Array(#"[26/Dec/2016:16:22:00 +0000] 1.2.3.4 TLSv1.2"#.utf8),
            [0xFF, 0xFE, 0x5B, 0x20, 0xC0],
            Array(repeating: UInt8(ascii: "["), count: 1 << 20),
        ]
        for line in malformed {
            let event = WebFixture.process(processor, line)
            #expect(event.action == AuditEvent.unparsedAction, "\(String(decoding: line.prefix(60), as: UTF8.self))")
        }
    }
}
