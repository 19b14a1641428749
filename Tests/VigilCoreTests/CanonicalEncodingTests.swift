import Testing
import VigilCore
import VigilTestSupport

/// The ingest path's canonical encoding (`canonicalEncoding(using:)`, through a reused
/// `JSONRowBuffer`) must give exactly the bytes of the `JSONWriter` encoding: the hash chain and
/// `vigil verify` depend on every byte.
@Suite struct CanonicalEncodingTests {
    private typealias Generator = SeededRandom

    /// Text that puts escapes, multi-byte characters and control bytes at every kind of position,
    /// in lengths around the eight-byte words the encoders work in.
    private static func text(_ g: inout Generator) -> String {
        let pieces = ["a", "Zz", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}",
                      "é", "→", "😀", "/", "user0012", "CUST-194394", "{\"k\":1}", "\u{0}"]
        let length = Int.random(in: 0...40, using: &g)
        return (0..<length).map { _ in pieces.randomElement(using: &g) ?? "a" }.joined()
    }

    private static func value(_ g: inout Generator, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 1 ? 6 : 8), using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return .int(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &g))
        case 3:
            let choices: [Double] = [0.5, -12.25, 1e15, 1e15 + 2, 123_456.789, 3, -0.0, .infinity, .nan, 1e-7]
            return .double(choices.randomElement(using: &g) ?? 0.5)
        case 4, 5: return .string(text(&g))
        case 6: return .array((0..<Int.random(in: 0...4, using: &g)).map { _ in value(&g, depth: depth + 1) })
        default: return .object(object(&g, depth: depth + 1))
        }
    }

    private static func object(_ g: inout Generator, depth: Int) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        let keys = ["syslog", "peer", "records", "a", "B", "b", "é", "z\"q", "exit_code", "job", "", "key with space"]
        for _ in 0..<Int.random(in: 0...9, using: &g) {
            let key = Bool.random(using: &g) ? (keys.randomElement(using: &g) ?? "a") : text(&g)
            members[key] = value(&g, depth: depth)
        }
        return members
    }

    private static func event(_ g: inout Generator) -> AuditEvent {
        // Times across days, before 1970 and past 9999, so the row buffer's date cache is exercised.
        let times: [Int64] = [
            1_795_428_000_123_456, 1_795_428_000_123_457, 1_795_514_400_000_000, -1_000_000, 0,
            253_402_300_800_000_000, 1_700_000_000_999_999,
        ]
        var e = AuditEvent(
            id: EventID(high: g.next(), low: g.next()),
            time: Timestamp(microseconds: times.randomElement(using: &g) ?? 0),
            received: Timestamp(microseconds: times.randomElement(using: &g) ?? 0),
            source: text(&g), action: text(&g))
        func maybe() -> Bool { Int.random(in: 0..<3, using: &g) > 0 }
        if maybe() { e.kind = text(&g) }
        if maybe() { e.host = text(&g) }
        if maybe() { e.app = text(&g) }
        if maybe() { e.actor = text(&g) }
        if maybe() { e.actorID = text(&g) }
        if maybe() { e.actorRole = text(&g) }
        if maybe() { e.actorType = text(&g) }
        if maybe() { e.impersonator = text(&g) }
        if maybe() { e.session = text(&g) }
        if maybe() { e.category = text(&g) }
        if maybe() { e.entityType = text(&g) }
        if maybe() { e.entityID = text(&g) }
        if maybe() { e.entityName = text(&g) }
        if maybe() { e.outcome = text(&g) }
        if maybe() { e.severity = text(&g) }
        if maybe() { e.ip = text(&g) }
        if maybe() { e.userAgent = text(&g) }
        if maybe() { e.method = text(&g) }
        if maybe() { e.url = text(&g) }
        if maybe() { e.status = Int.random(in: -5...600, using: &g) }
        if maybe() { e.durationMS = [0.25, 12, 1e16, -3.5, 7.000001].randomElement(using: &g) }
        if maybe() { e.bytes = Int64.random(in: 0...Int64.max, using: &g) }
        if maybe() {
            e.changes = (0..<Int.random(in: 1...3, using: &g)).map { _ in
                AuditEvent.Change(
                    field: text(&g), old: maybe() ? value(&g, depth: 0) : nil, new: maybe() ? value(&g, depth: 0) : nil)
            }
        }
        if maybe() { e.message = text(&g) }
        if maybe() { e.attrs = object(&g, depth: 0) }
        if maybe() { e.raw = text(&g) + text(&g) }
        if maybe() { e.error = text(&g) }
        if maybe() { e.prevHash = [UInt8](repeating: 7, count: 32) }
        if maybe() { e.hash = [UInt8](repeating: 9, count: 32) }
        return e
    }

    private static func json(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    private static func textFields(_ e: AuditEvent) -> [(AuditEvent.TextField, String?)] {
        [(.source, e.source), (.kind, e.kind), (.host, e.host), (.app, e.app), (.actor, e.actor), (.actorID, e.actorID),
         (.actorRole, e.actorRole), (.actorType, e.actorType), (.impersonator, e.impersonator), (.session, e.session),
         (.action, e.action), (.category, e.category), (.entityType, e.entityType), (.entityID, e.entityID),
         (.entityName, e.entityName), (.outcome, e.outcome), (.severity, e.severity), (.ip, e.ip),
         (.userAgent, e.userAgent), (.method, e.method), (.url, e.url), (.message, e.message), (.raw, e.raw),
         (.error, e.error)]
    }

    @Test func rowBufferEncodingMatchesTheWriterOnGeneratedEvents() {
        var g = Generator(seed: 0x5EED_C0DE)
        var buffer = JSONRowBuffer(capacity: 64)  // small, so it grows mid-event too
        defer { buffer.deallocate() }
        var verbatim = 0
        var escaped = 0
        for _ in 0..<3_000 {
            let e = Self.event(&g)
            let encoded = e.canonicalEncoding(using: &buffer)
            #expect(encoded.bytes == e.canonicalBytes, "\(String(decoding: e.canonicalBytes, as: UTF8.self))")
            #expect(Array(encoded.bytes[encoded.id]) == Array(e.id.description.utf8))
            #expect(encoded.attrs.map { Array(encoded.bytes[$0]) } == (e.attrs.isEmpty ? nil : Self.json(.object(e.attrs))))
            #expect(
                encoded.changes.map { Array(encoded.bytes[$0]) }
                    == (e.changes.isEmpty ? nil : Self.json(AuditEvent.changesJSON(e.changes))))
            #expect(e.canonicalEncoding.bytes == encoded.bytes)
            // Every text field's span is its value, verbatim, or says to read the field.
            for (field, value) in Self.textFields(e) {
                let span = encoded.textSpans[field]
                if span == 0 {
                    #expect(value == nil, "\(field)")
                } else if span == AuditEvent.TextSpans.useField {
                    escaped += 1
                    #expect(value.map { Self.json(.string($0)).count != $0.utf8.count + 2 } == true, "\(field)")
                } else {
                    verbatim += 1
                    let start = Int(span >> 32)
                    let bytes = Array(encoded.bytes[start..<(start + Int(span & 0xFFFF_FFFF))])
                    #expect(value.map { Array($0.utf8) } == bytes, "\(field)")
                }
            }
        }
        #expect(verbatim > 1_000 && escaped > 1_000)
    }

    @Test func rowBufferEncodingMatchesTheWriterOnTheSample() {
        var e = AuditEventTests.sample()
        e.attrs["peer"] = ["address": "127.0.0.1:5140", "uid": 0, "exe": "/usr/bin/logger"]
        e.attrs["syslog"] = ["facility": 16, "severity": 6, "procid": "1000", "msgid": "audit"]
        var buffer = JSONRowBuffer()
        defer { buffer.deallocate() }
        let encoded = e.canonicalEncoding(using: &buffer)
        #expect(encoded.bytes == e.canonicalBytes)
        let text = String(decoding: encoded.bytes, as: UTF8.self)
        #expect(text.contains(#""attrs":{"peer":{"address":"127.0.0.1:5140","exe":"/usr/bin/logger","uid":0},"#))
        #expect(text.contains(#""syslog":{"facility":16,"msgid":"audit","procid":"1000","severity":6}}"#))
    }
}
