import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct NginxParserTests {
    static func parser(_ options: [String: JSONValue] = [:]) throws -> NginxParser {
        try NginxParser(configuration: ParserConfiguration(options: options))
    }

    @Test(arguments: ["custom-log-format", "json-log-format", "bad-requests", "magento-admin"])
    func fixtureLinesYieldExpectedEvents(_ name: String) throws {
        let fixture = WebFixture.load("nginx", name)
        #expect(!fixture.lines.isEmpty && fixture.lines.count == fixture.expected.count, "\(name)")
        let processor = WebFixture.processor(try Self.parser(fixture.options), name: NginxParser.name)
        for (index, (line, expected)) in zip(fixture.lines, fixture.expected).enumerated() {
            let event = WebFixture.process(processor, line)
            #expect(event.action != AuditEvent.unparsedAction, "\(name)[\(index)]: \(event.error ?? "")")
            let problems = WebFixture.mismatches(event, expected)
            #expect(problems.isEmpty, "\(name)[\(index)]: \(problems)")
        }
    }

    @Test func customFormatIsCompiledOnceAndFallsBackToCombined() throws {
        let parser = try Self.parser(["log_format": "$remote_addr [$time_local] \"$request\" $status \"$upstream_cache_status\""])
        let processor = WebFixture.processor(parser, name: NginxParser.name)
        let custom = WebFixture.process(processor, Array(#"192.0.2.1 [22/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 "HIT""#.utf8))
        #expect(custom.url == "/a" && custom.status == 200 && custom.attrs["upstream_cache_status"] == "HIT")
        let combined = WebFixture.process(
            processor, Array(#"192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET /b HTTP/1.1" 200 5 "-" "ua""#.utf8))
        #expect(combined.url == "/b" && combined.userAgent == "ua")
    }

    @Test func configurationMistakesNameTheOption() {
        #expect(throws: ConfigurationError.self) { try Self.parser(["log_formats": "x"]) }
        #expect(throws: ConfigurationError(path: "log_format", reason: "the format has no $variable")) {
            try Self.parser(["log_format": "plain text"])
        }
        #expect(throws: ConfigurationError.self) { try Self.parser(["log_format": "$remote_addr$remote_user"]) }
        #expect(throws: ConfigurationError.self) { try Self.parser(["log_format": "${remote_addr"]) }
        #expect(throws: ConfigurationError.self) { try Self.parser(["log_format": 5]) }
    }

    /// Truncated, invalid UTF-8, oversized and non-access lines: errors, never crashes.
    @Test func malformedLinesBecomeUnparsed() throws {
        let processor = WebFixture.processor(try Self.parser(), name: NginxParser.name)
        let malformed: [[UInt8]] = [
            Array(#"192.0.2.1 - - [22/Nov/2026:10:0"#.utf8),
            Array(#"192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1"#.utf8),
            Array(#"192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" abc 12"#.utf8),
            Array(#"192.0.2.1 - - [99/Foo/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1"#.utf8),
            [0x31, 0x39, 0x32, 0x20, 0xFF, 0xFE, 0xC3, 0x28, 0x20, 0x5B],
            Array("hello world".utf8),
            Array(#"{"remote_addr": "1.2.3.4", "#.utf8),
            Array("2026/11/22 10:00:00 [error".utf8),
            Array(repeating: UInt8(ascii: "a"), count: 1 << 20),
            Array(#"192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] ""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 1 << 20),
        ]
        for line in malformed {
            let event = WebFixture.process(processor, line)
            #expect(event.action == AuditEvent.unparsedAction, "\(String(decoding: line.prefix(60), as: UTF8.self))")
            #expect(event.error?.contains("nginx") == true)
        }
        let long = Array(#"192.0.2.1 - - [22/Nov/2026:10:00:00 +0000] "GET /"#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 1 << 20)
            + Array(#" HTTP/1.1" 414 0 "-" "-""#.utf8)
        let event = WebFixture.process(processor, long)
        #expect(event.status == 414 && event.url?.utf8.count == (1 << 20) + 1)
    }
}
