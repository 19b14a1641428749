import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct HAProxyParserTests {
    static func processor(_ options: [String: JSONValue] = [:]) throws -> LineProcessor {
        WebFixture.processor(try HAProxyParser(configuration: ParserConfiguration(options: options)), name: HAProxyParser.name)
    }

    @Test(arguments: ["http-and-tcp"])
    func fixtureLinesYieldExpectedEvents(_ name: String) throws {
        let fixture = WebFixture.load("haproxy", name)
        #expect(!fixture.lines.isEmpty && fixture.lines.count == fixture.expected.count)
        let processor = try Self.processor(fixture.options)
        for (index, (line, expected)) in zip(fixture.lines, fixture.expected).enumerated() {
            let event = WebFixture.process(processor, line)
            #expect(event.action != AuditEvent.unparsedAction, "\(name)[\(index)]: \(event.error ?? "")")
            let problems = WebFixture.mismatches(event, expected)
            #expect(problems.isEmpty, "\(name)[\(index)]: \(problems)")
        }
    }

    @Test func malformedLinesBecomeUnparsed() throws {
        let processor = try Self.processor()
        let malformed: [[UInt8]] = [
            Array("10.0.0.1:1234 [22/Nov/2026:10:00:00.000] fe be/srv 1/2/3/4 200".utf8),
            Array("10.0.0.1:1234 [22/Nov/2026:10:00:00.000] fe be/srv 0/0/0/0/1 200 10 - - ---- 1/1/1 0/0".utf8),
            Array("10.0.0.1:1234 [22/Nov/2026:10:00:00.000] fe be/srv 0/0/0/0/1 200 10 - - ---- 1/1/1/1/0 0/0 {a|b".utf8),
            Array("10.0.0.1:1234 [22/Nov/2026:10:00:00.000] fe be/srv 0/x/1 10 -- 1/1/1/1/0 0/0".utf8),
            Array("not haproxy at all".utf8),
            [0x31, 0x30, 0x2E, 0xFF, 0x3A, 0x31, 0x20, 0x5B],
            Array(repeating: UInt8(ascii: "1"), count: 1 << 20),
        ]
        for line in malformed {
            let event = WebFixture.process(processor, line)
            #expect(event.action == AuditEvent.unparsedAction, "\(String(decoding: line.prefix(80), as: UTF8.self))")
        }
    }
}
