import Testing
import VigilCore

@Suite struct AuditEventTests {
    static func sample() -> AuditEvent {
        var e = AuditEvent(
            id: EventID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210),
            time: Timestamp(microseconds: 1_700_000_000_123_456), received: Timestamp(microseconds: 1_700_000_001_000_000),
            source: "backoffice", action: "update")
        e.actor = "john.smith"
        e.entityType = "customer"
        e.entityID = "CUST-12345"
        e.status = 200
        e.durationMS = 12.5
        e.changes = [.init(field: "credit_limit", old: 1000, new: 5000)]
        e.attrs = ["records": 12, "syslog": ["facility": 16]]
        e.raw = "raw \"line\"\n"
        e.prevHash = [UInt8](repeating: 1, count: 32)
        e.hash = [UInt8](repeating: 2, count: 32)
        return e
    }

    @Test func canonicalTimesReadBackWithoutTheGeneralParser() {
        func read(_ text: String) -> Timestamp? {
            var text = text
            return text.withUTF8 { Timestamp(canonicalUTF8: UnsafeRawBufferPointer($0)) }
        }
        for micros: Int64 in [0, 1, 999_999, 1_795_428_000_123_456, 951_782_400_000_000, 4_102_444_799_999_999] {
            let time = Timestamp(microseconds: micros)
            #expect(read(time.rfc3339) == time, "\(time.rfc3339)")
        }
        for bad in ["2026-11-22T10:00:01.000000", "2026-11-22T10:00:01Z", "2026-11-22 10:00:01.000000Z",
                    "2026-13-22T10:00:01.000000Z", "2026-11-22T10:0a:01.000000Z", "2026-02-30T10:00:01.000000Z"] {
            #expect(read(bad) == nil, "\(bad)")
        }
    }

    @Test func canonicalJSONRoundTrips() throws {
        let e = Self.sample()
        let decoded = try AuditEvent(json: e.jsonBytes())
        #expect(decoded == e)
        #expect(decoded.jsonBytes() == e.jsonBytes())
    }

    @Test func canonicalBytesLeaveOutTheChain() {
        let text = String(decoding: Self.sample().canonicalBytes, as: UTF8.self)
        #expect(!text.contains("hash"))
        #expect(text.hasPrefix(#"{"id":""#))
        #expect(text.contains(#""changes":[{"field":"credit_limit","new":5000,"old":1000}]"#))
    }

    @Test func canonicalEncodingLocatesTheIDAttrsAndChanges() {
        var e = Self.sample()
        e.changes.append(.init(field: "email", old: nil, new: "a@example.com"))
        e.changes.append(.init(field: "note", old: "x", new: nil))
        e.attrs["a"] = .array([1, "two", .null])
        let encoding = e.canonicalEncoding
        #expect(encoding.bytes == e.canonicalBytes)
        func text(_ range: Range<Int>?, in encoding: AuditEvent.CanonicalEncoding = encoding) -> String? {
            range.map { String(decoding: encoding.bytes[$0], as: UTF8.self) }
        }
        #expect(text(encoding.id) == e.id.description)
        var attrs = JSONWriter()
        attrs.write(.object(e.attrs))
        #expect(text(encoding.attrs) == attrs.string)
        var changes = JSONWriter()
        changes.write(AuditEvent.changesJSON(e.changes))
        #expect(text(encoding.changes) == changes.string)

        let bare = AuditEvent(id: e.id, time: e.time, received: e.received, source: "s", action: "view")
        #expect(bare.canonicalEncoding.attrs == nil)
        #expect(bare.canonicalEncoding.changes == nil)
        #expect(text(bare.canonicalEncoding.id, in: bare.canonicalEncoding) == e.id.description)
    }

    @Test func fieldsAreReachableByName() {
        let e = Self.sample()
        #expect(e.value(forField: "actor") == "john.smith")
        #expect(e.value(forField: "attrs.syslog.facility") == 16)
        #expect(e.value(forField: "status") == 200)
        #expect(e.value(forField: "host") == nil)
    }
}

@Suite struct EventIDTests {
    @Test func textRoundTrips() throws {
        var generator = EventIDGenerator()
        for i in 0..<1000 {
            let id = generator.next(at: Timestamp(microseconds: 1_700_000_000_000_000 + Int64(i) * 10))
            let parsed = try #require(EventID(id.description))
            #expect(parsed == id)
            #expect(id.description.count == 26)
        }
        #expect(EventID(high: 0, low: 0).description == "00000000000000000000000000")
        #expect(EventID(high: .max, low: .max).description == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
        var bytes: [UInt8] = [1]
        EventID(high: .max, low: .max).appendText(to: &bytes)
        #expect(bytes == [1] + Array("7ZZZZZZZZZZZZZZZZZZZZZZZZZ".utf8))
    }

    @Test func idsIncreaseWithinOneMillisecond() {
        var generator = EventIDGenerator()
        let t = Timestamp(microseconds: 1_700_000_000_000_000)
        var previous = generator.next(at: t)
        for _ in 0..<10_000 {
            let next = generator.next(at: t)
            #expect(next > previous)
            #expect(next.description > previous.description)
            previous = next
        }
    }

    @Test func encodesTheTimeInTheFirstTenCharacters() {
        let id = EventID(high: UInt64(1_469_918_176_385) << 16, low: 0)
        #expect(id.description.hasPrefix("01ARYZ6S41"))
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2003-10-11T22:14:15.003Z", Int64(1_065_910_455_003_000)),
        ("2003-08-24T05:14:15.000003-07:00", Int64(1_061_727_255_000_003)),
        ("1985-04-12T23:20:50.52Z", Int64(482_196_050_520_000)),
        ("2026-01-01 00:00:00+0100", Int64(1_767_222_000_000_000)),
    ])
    func parsesRFC3339(_ text: String, _ micros: Int64) {
        #expect(Timestamp.parse(text)?.microseconds == micros)
    }

    @Test(arguments: ["2003-13-11T22:14:15Z", "2003-02-30T00:00:00Z", "2003-10-11T25:00:00Z", "2003-10-11", "x"])
    func rejectsInvalidTimes(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsUTCWithMicroseconds() {
        #expect(Timestamp(microseconds: 1_065_910_455_003_000).rfc3339 == "2003-10-11T22:14:15.003000Z")
        #expect(Timestamp(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: Int64(-800_000), to: 800_000, by: 997) {
            let civil = CivilDate(daysSinceEpoch: days)
            #expect(civil.daysSinceEpoch == days)
        }
    }
}
