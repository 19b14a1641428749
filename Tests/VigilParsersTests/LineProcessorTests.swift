import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct LineProcessorTests {
    static let received = Timestamp.parse("2024-06-15T12:00:00Z") ?? Timestamp(microseconds: 0)
    static let peer = PeerInfo(address: "192.0.2.7:5140", host: "192.0.2.7")

    static func line(_ text: String, listener: String = "udp", truncatedFrom: Int? = nil) -> ReceivedLine {
        line(Array(text.utf8), listener: listener, truncatedFrom: truncatedFrom)
    }

    static func line(_ bytes: [UInt8], listener: String = "udp", truncatedFrom: Int? = nil) -> ReceivedLine {
        ReceivedLine(bytes: bytes, received: received, listener: listener, peer: peer, truncatedFrom: truncatedFrom)
    }

    static let processor = LineProcessor(routes: [], parsers: [:])

    @Test func fillsFromTheRFC5424Envelope() {
        let event = Self.processor.process(
            Self.line(#"<131>1 2024-06-15T11:59:00Z app01 billing 77 AUD [meta seq="1\]"] {"user":"alice","action":"update"}"# + "\n"))
        #expect(event.action == "update" && event.actor == "alice")
        #expect(event.time == Timestamp.parse("2024-06-15T11:59:00Z"), "header time when the payload has none")
        #expect(event.received == Self.received && event.source == "udp")
        #expect(event.host == "app01" && event.app == "billing" && event.severity == "high")
        #expect(
            event.attrs["syslog"]
                == ["facility": 16, "severity": 3, "procid": "77", "msgid": "AUD", "structured_data": ["meta": ["seq": "1]"]]])
        #expect(event.attrs["peer"] == ["address": "192.0.2.7:5140"])
        #expect(event.raw == #"<131>1 2024-06-15T11:59:00Z app01 billing 77 AUD [meta seq="1\]"] {"user":"alice","action":"update"}"#)
        #expect(event.error == nil && event.prevHash == nil && event.hash == nil)
    }

    @Test func payloadTimeAndSeverityWin() {
        let event = Self.processor.process(
            Self.line(#"<131>Jun 15 11:59:00 app01 billing[77]: {"ts":"2024-06-15T10:00:00Z","level":"info","event":"view"}"#))
        #expect(event.time == Timestamp.parse("2024-06-15T10:00:00Z") && event.severity == "info")
        #expect(event.app == "billing" && event.attrs["syslog"] == ["facility": 16, "severity": 3, "procid": "77"])
    }

    @Test func headerlessJSONUsesPeerAndReceiveTime() {
        let event = Self.processor.process(Self.line(#"{"user":"bob","action":"login","result":"failed"}"#))
        #expect(event.actor == "bob" && event.action == "login" && event.outcome == "failure")
        #expect(event.host == "192.0.2.7" && event.time == Self.received && event.app == nil)
        #expect(event.attrs["syslog"] == nil && event.severity == nil)
    }

    @Test func fileLinesWithoutPRIGetNoSyslogSeverity() {
        let event = Self.processor.process(Self.line("Jun 15 11:59:00 web1 cron[9]: job done"))
        #expect(event.action == LineProcessor.messageAction && event.severity == nil)
        #expect(event.host == "web1" && event.app == "cron" && event.message == "job done")
        #expect(event.attrs["syslog"] == ["procid": "9"])
    }

    @Test func plainTextOnTheDefaultRouteIsAMessage() {
        let event = Self.processor.process(Self.line("<13>Jun 15 11:59:00 web1 backup: finished in 3s"))
        #expect(event.action == "message" && event.message == "finished in 3s" && event.error == nil)
        #expect(event.severity == "low" && event.app == "backup")
    }

    @Test func requiredParserFailureIsUnparsed() throws {
        let processor = try LineProcessor(routes: [LineProcessor.Route(listener: "api", requireParser: true, kind: "api")])
        let event = processor.process(Self.line("<13>1 - h a - - - not json", listener: "api"))
        #expect(event.action == AuditEvent.unparsedAction && event.kind == "api" && event.message == "not json")
        #expect(event.error?.contains("json parser") == true)
        let broken = processor.process(Self.line(#"{"user":"x","#, listener: "api"))
        #expect(broken.action == "unparsed" && broken.error?.contains("at byte") == true)
    }

    @Test func headerErrorIsUnparsed() {
        let event = Self.processor.process(Self.line("<13>1 2024-99-99T00:00:00Z h a - - - {}"))
        #expect(event.action == "unparsed" && event.error != nil)
        #expect(event.message == "<13>1 2024-99-99T00:00:00Z h a - - - {}" && event.time == Self.received)
    }

    @Test func firstMatchingRouteWins() throws {
        let processor = try LineProcessor(routes: [
            LineProcessor.Route(listener: "tcp", kind: "web", source: "gateway", keepRaw: false),
            LineProcessor.Route(kind: "app"),
        ])
        let tcp = processor.process(Self.line(#"{"action":"view"}"#, listener: "tcp"))
        #expect(tcp.source == "gateway" && tcp.kind == "web" && tcp.raw == nil)
        let udp = processor.process(Self.line(#"{"action":"view"}"#, listener: "udp"))
        #expect(udp.source == "udp" && udp.kind == "app" && udp.raw != nil)
    }

    @Test func routeZoneAppliesToHeaderTimes() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let processor = LineProcessor(routes: [LineProcessor.Route(timeZone: berlin)], parsers: [:])
        let event = processor.process(Self.line("<13>Jun 15 13:00:00 h p: {}"))
        #expect(event.time == Timestamp.parse("2024-06-15T11:00:00Z"))
    }

    @Test func unknownParserIsAConfigurationError() {
        #expect(throws: ConfigurationError.unknownParser("nosuch", known: ParserRegistry.names).prefixed(by: "routes[0]")) {
            try LineProcessor(routes: [LineProcessor.Route(parser: "nosuch")])
        }
    }

    @Test func missingParserInstanceStillYieldsAnEvent() {
        let processor = LineProcessor(routes: [LineProcessor.Route(parser: "nginx", requireParser: true)], parsers: [:])
        let event = processor.process(Self.line("GET / HTTP/1.1"))
        #expect(event.action == "unparsed" && event.error?.contains("nginx") == true)
    }

    @Test func marksTruncatedLines() {
        let event = Self.processor.process(Self.line(#"{"action":"x","#, truncatedFrom: 70_000))
        #expect(event.attrs["truncated"] == true && event.attrs["original_length"] == 70_000)
        #expect(event.action == "message")
    }

    @Test func stripsNULsAndNewlines() {
        let event = Self.processor.process(Self.line([0, 0] + Array(#"{"action":"view"}"#.utf8) + [0x0D, 0x0A, 0, 0]))
        #expect(event.action == "view" && event.raw == #"{"action":"view"}"#)
    }

    @Test func emptyLineIsAnEmptyMessage() {
        let event = Self.processor.process(Self.line([]))
        #expect(event.action == "message" && event.message == nil && event.raw == "" && event.error == nil)
        #expect(Self.processor.process(Self.line([0, 0x0A])).action == "message")
    }

    @Test func invalidUTF8IsRepaired() {
        let bytes: [UInt8] = Array("<13>Jun 15 11:59:00 h p: ".utf8) + [0xFF, 0xFE, 0x41] + Array(#"{"a":"\#u{00E9}"}"#.utf8)
        let event = Self.processor.process(Self.line(bytes))
        #expect(event.message?.hasPrefix("\u{FFFD}\u{FFFD}A") == true && event.raw?.contains("\u{FFFD}") == true)
        let json = Self.processor.process(Self.line([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D]))
        #expect(json.attrs["a"] == "\u{FFFD}", "bad UTF-8 inside a JSON string is repaired, not rejected")
    }

    @Test func survivesGarbage() {
        var generator = SplitMix64(seed: 7)
        for round in 0..<5_000 {
            var bytes: [UInt8] = round % 3 == 0 ? Array("<13>1 - - - - - - ".utf8) : round % 3 == 1 ? [0x7B] : []
            for _ in 0..<Int(generator.next() % 64) { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            let event = Self.processor.process(Self.line(bytes, truncatedFrom: round % 5 == 0 ? 99 : nil))
            #expect(!event.action.isEmpty)
        }
    }

    @Test func handlesAOneMegabyteLine() {
        let big = String(repeating: "x", count: 1 << 20)
        let json = Self.processor.process(Self.line(#"<13>1 - h a - - - {"action":"export","blob":"\#(big)"}"#))
        #expect(json.action == "export" && json.attrs["blob"]?.stringValue?.count == 1 << 20)
        let text = Self.processor.process(Self.line(big))
        #expect(text.action == "message" && text.message?.count == 1 << 20)
    }

    @Test func processesEveryCorpusLine() {
        let cases = ["rfc5424", "rfc3164", "syslog_file", "sample"].flatMap(CorpusCase.load)
        var unparsed = 0
        for corpusCase in cases {
            let event = Self.processor.process(Self.line(corpusCase.bytes))
            if event.action == "unparsed" { unparsed += 1 }
        }
        #expect(unparsed < cases.count)
    }
}
