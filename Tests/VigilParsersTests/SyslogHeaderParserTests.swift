import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct SyslogHeaderParserTests {
    static func time(_ text: String) -> Timestamp { Timestamp.parse(text) ?? Timestamp(microseconds: 0) }

    static func parse(
        _ text: String, received: String = "2024-06-15T12:00:00Z", zone: TimeZone = .gmt,
        format: SyslogMessage.Format? = nil
    ) -> SyslogMessage {
        SyslogHeaderParser.parse(
            Array(text.utf8),
            options: SyslogParserOptions(timeZone: zone, reference: time(received), expectedFormat: format))
    }

    @Test func stripsTrailingNULsAndNewlines() {
        let message = SyslogHeaderParser.parse(
            Array("<34>1 - - - - - - hello\r\n\0\0".utf8), options: SyslogParserOptions(reference: Self.time("2024-01-01T00:00:00Z")))
        #expect(message.message == "hello")
        #expect(message.error == nil)
    }

    @Test func readsRFC5424WithStructuredDataAndBOM() {
        let m = Self.parse(
            #"<165>1 2003-10-11T22:14:15.003Z host app 99 ID47 [ex@1 a="x\"y\]z\\" b="\n"][o k="v"] "# + "\u{FEFF}text")
        #expect(m.format == .rfc5424)
        #expect(m.priority == 165 && m.facility == 20 && m.severity == 5 && m.version == 1)
        #expect(m.timestamp == Self.time("2003-10-11T22:14:15.003Z"))
        #expect(m.hostname == "host" && m.appName == "app" && m.procID == "99" && m.msgID == "ID47")
        #expect(m.structuredData.map(\.id) == ["ex@1", "o"])
        #expect(m.structuredData.first?["a"] == #"x"y]z\"#)
        #expect(m.structuredData.first?["b"] == #"\n"#, "an unknown escape keeps its backslash")
        #expect(m.message == "text")
        #expect(m.error == nil)
    }

    @Test(arguments: [
        "<192>1 - - - - - -", "<00>1 - - - - - -", "<1234>1 - - - - - -", "<1>0 - - - - - -",
        "<1>1 2003-10-11T22:14:15.0000001Z - - - - -", "<1>1 2003-02-30T22:14:15Z - - - - -",
        "<1>1 - - - - - [a b=\"c\"", "<1>1 - - - - - [a][a]", "<1>1 - - - - -x", "<1>1 - - - -",
    ])
    func flagsBrokenRFC5424(_ line: String) {
        let m = Self.parse(line)
        #expect(m.error != nil)
        #expect(m.message == line, "the whole frame is kept as the message")
    }

    @Test func acceptsPRIBounds() {
        #expect(Self.parse("<0>1 - - - - - -").priority == 0)
        #expect(Self.parse("<191>1 - - - - - -").priority == 191)
    }

    @Test func readsBSDFormsOfRealSenders() {
        let nginx = Self.parse("<190>Nov 22 10:00:00 web1 nginx: GET / 200")
        #expect(nginx.format == .rfc3164 && nginx.hostname == "web1" && nginx.appName == "nginx")
        #expect(nginx.message == "GET / 200" && nginx.isPriorityDefaulted == false)
        let haproxy = Self.parse("<134>Nov 22 10:00:00 haproxy[123]: 10.0.0.1:5000 [22/Nov/2024:10:00:00.000]")
        #expect(haproxy.hostname == nil && haproxy.appName == "haproxy" && haproxy.procID == "123")
        #expect(haproxy.message == "10.0.0.1:5000 [22/Nov/2024:10:00:00.000]")
        let padded = Self.parse("<13>Oct  1 02:03:04 h p: m")
        #expect(padded.timestamp == Self.time("2024-10-01T02:03:04Z") && padded.timestampLacksYear)
    }

    @Test func readsYearBeforeOrAfterTheTime() {
        #expect(Self.parse("<13>Oct 11 2003 22:14:15 h p: m").timestamp == Self.time("2003-10-11T22:14:15Z"))
        let after = Self.parse("<13>Oct 11 22:14:15 2003 h p: m")
        #expect(after.timestamp == Self.time("2003-10-11T22:14:15Z"))
        #expect(after.hostname == "h" && !after.timestampLacksYear && after.timestampLacksZone)
    }

    @Test func defaultsMissingPriorityForFileLines() {
        let m = Self.parse("Feb  9 21:21:43 precise32 sudo: session opened")
        #expect(m.format == .rfc3164 && m.priority == 13 && m.isPriorityDefaulted)
        #expect(m.hostname == "precise32" && m.appName == "sudo" && m.message == "session opened")
    }

    @Test func picksTheYearClosestToTheReceiveTime() {
        let late = Self.parse("<13>Dec 31 23:59:59 h p: m", received: "2025-01-01T00:00:05Z")
        #expect(late.timestamp == Self.time("2024-12-31T23:59:59Z"))
        let early = Self.parse("<13>Jan  1 00:00:01 h p: m", received: "2024-12-31T23:59:58Z")
        #expect(early.timestamp == Self.time("2025-01-01T00:00:01Z"))
        let leap = Self.parse("<13>Feb 29 10:00:00 h p: m", received: "2025-01-10T00:00:00Z")
        #expect(leap.timestamp == Self.time("2024-02-29T10:00:00Z"))
    }

    @Test func appliesTheZoneOffsetInForceAtThatInstant() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let summer = Self.parse("<13>Jul  1 12:00:00 h p: m", zone: berlin)
        #expect(summer.timestamp == Self.time("2024-07-01T10:00:00Z"))
        let winter = Self.parse("<13>Jan 15 12:00:00 h p: m", received: "2024-01-10T00:00:00Z", zone: berlin)
        #expect(winter.timestamp == Self.time("2024-01-15T11:00:00Z"))
        let iso = Self.parse("2019-06-14T10:40:20.912134 localhost sudo: x", zone: berlin)
        #expect(iso.timestamp == Self.time("2019-06-14T08:40:20.912134Z") && iso.timestampLacksZone)
        let zoned = Self.parse("<13>2019-06-14T10:40:20+02:00 localhost sudo: x", zone: berlin)
        #expect(zoned.timestamp == Self.time("2019-06-14T08:40:20Z") && !zoned.timestampLacksZone)
    }

    @Test func leavesHeaderlessPayloadsWhole() {
        let json = Self.parse(#"{"user":"alice","action":"login"}"#)
        #expect(json.format == .none && json.priority == nil && json.message == #"{"user":"alice","action":"login"}"#)
        #expect(Self.parse("<html>hi</html>").format == .none)
        let afterPRI = Self.parse(#"<13>{"user":"alice"}"#)
        #expect(afterPRI.format == .rfc3164 && afterPRI.appName == nil && afterPRI.message == #"{"user":"alice"}"#)
        let afterHost = Self.parse(#"<13>Nov 22 10:00:00 web1 {"user":"alice"}"#)
        #expect(afterHost.hostname == "web1" && afterHost.appName == nil && afterHost.message == #"{"user":"alice"}"#)
        let noHost = Self.parse(#"<13>Nov 22 10:00:00 {"user":"alice"}"#)
        #expect(noHost.hostname == nil && noHost.message == #"{"user":"alice"}"#)
    }

    @Test func repairsInvalidUTF8() {
        let bytes: [UInt8] = Array("<13>Nov 22 10:00:00 h p: caf".utf8) + [0xE9, 0xFF]
        let m = SyslogHeaderParser.parse(bytes, options: SyslogParserOptions(reference: Self.time("2024-06-01T00:00:00Z")))
        #expect(m.message == "caf\u{FFFD}\u{FFFD}")
    }

    @Test func neverTrapsOnGarbage() {
        var generator = SplitMix64(seed: 42)
        let prefixes: [[UInt8]] = [
            [], Array("<".utf8), Array("<13>".utf8), Array("<1>1 ".utf8), Array("<1>1 - - - - - [".utf8),
            Array("<13>Oct 11 ".utf8), Array("Oct 11 22:14:15 ".utf8), Array("2024-01-01T".utf8),
        ]
        let alphabet = Array(#"<>[]"\= :-0123456789TZ.+abcOct"#.utf8) + [0, 0x0A, 0xEF, 0xBB, 0xBF, 0xFF, 0xC3]
        for round in 0..<20_000 {
            var bytes = prefixes[round % prefixes.count]
            for _ in 0..<Int(generator.next() % 40) {
                let r = generator.next()
                bytes.append(r % 4 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : alphabet[Int(r >> 8 % UInt64(alphabet.count))])
            }
            for format in [nil, SyslogMessage.Format.rfc5424, .rfc3164] {
                _ = SyslogHeaderParser.parse(
                    bytes, options: SyslogParserOptions(reference: Self.time("2024-06-01T00:00:00Z"), expectedFormat: format))
            }
        }
        #expect(SyslogHeaderParser.parse([], options: SyslogParserOptions(reference: Self.time("2024-06-01T00:00:00Z"))).message == "")
    }
}

/// A small deterministic generator for fuzz-style tests.
struct SplitMix64 {
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
