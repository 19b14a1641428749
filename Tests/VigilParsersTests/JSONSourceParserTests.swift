import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct JSONSourceParserTests {
    static let received = Timestamp.parse("2024-06-15T12:00:00Z") ?? Timestamp(microseconds: 0)

    static func input(_ message: String, zone: TimeZone = .gmt) -> ParserInput {
        let line = ReceivedLine(bytes: Array(message.utf8), received: received, listener: "udp")
        let syslog = SyslogHeaderParser.parse(line.bytes, options: SyslogParserOptions(reference: received))
        return ParserInput(line: line, syslog: syslog, timeZone: zone)
    }

    static func parse(_ message: String, options: [String: JSONValue] = [:]) throws -> AuditEvent {
        let parser = try JSONSourceParser(configuration: ParserConfiguration(options: options))
        return try parser.parse(input(message))
    }

    @Test func mapsDefaultAliasesAndKeepsTheRestInAttrs() throws {
        let event = try Self.parse(
            #"{"user":"alice","user_id":42,"role":"admin","sid":"s1","event":"update","module":"customers","#
                + #""object_type":"customer","object_id":"C-1","result":"ok","level":"warning","remote_addr":"192.0.2.1","#
                + #""userAgent":"curl","method":"POST","uri":"/c/1","status_code":"200","latency_ms":12.5,"size":99,"#
                + #""msg":"hi","records":1200,"username":"other"}"#)
        #expect(event.actor == "alice" && event.actorID == "42" && event.actorRole == "admin")
        #expect(event.session == "s1" && event.action == "update" && event.category == "customers")
        #expect(event.entityType == "customer" && event.entityID == "C-1")
        #expect(event.outcome == "success" && event.severity == "medium")
        #expect(event.ip == "192.0.2.1" && event.userAgent == "curl" && event.method == "POST" && event.url == "/c/1")
        #expect(event.status == 200 && event.durationMS == 12.5 && event.bytes == 99 && event.message == "hi")
        #expect(event.attrs == ["records": 1200, "username": "other"])
        #expect(event.time == Self.received, "no payload or header time: the receive time")
    }

    @Test func aRepeatedMemberCountsAsItsLastValue() throws {
        let event = try Self.parse(#"{"user":"alice","action":"login","user":"bob","ip":"192.0.2.1","ip":null,"n":1,"n":2}"#)
        #expect(event.actor == "bob")
        #expect(event.ip == nil)
        #expect(event.attrs == ["ip": .null, "n": 2])
    }

    @Test func aMappedNameLeavesNoEarlierCopyInAttrs() throws {
        let event = try Self.parse(#"{"user":null,"user":"bob","duration":"slow","duration":2,"before":1,"after":{"a":1}}"#)
        #expect(event.actor == "bob" && event.durationMS == 2000)
        #expect(event.changes == [AuditEvent.Change(field: "a", old: nil, new: 1)])
        #expect(event.attrs == ["before": 1])
    }

    @Test func mapsMembersBeyondTheSixtyFourth() throws {
        let filler = (0..<70).map { "\"f\($0)\":\($0)" }.joined(separator: ",")
        let event = try Self.parse("{\(filler),\"user\":\"carol\",\"duration\":0.5,\"f3\":\"last\"}")
        #expect(event.actor == "carol" && event.durationMS == 500)
        #expect(event.attrs.count == 70 && event.attrs["f3"] == "last" && event.attrs["user"] == nil)
    }

    @Test func beforeAndAfterObjectsBecomeChanges() throws {
        let event = try Self.parse(#"{"user":"a","action":"update","before":{"email":"x@a"},"after":{"email":"y@a"}}"#)
        #expect(event.changes == [AuditEvent.Change(field: "email", old: "x@a", new: "y@a")])
        #expect(event.attrs.isEmpty)
        let created = try Self.parse(#"{"user":"a","action":"create","after":{"email":"y@a"}}"#)
        #expect(created.changes == [AuditEvent.Change(field: "email", old: nil, new: "y@a")])
    }

    @Test func readsNestedUserAndEntityObjects() throws {
        let event = try Self.parse(
            #"{"action":"view","user":{"name":"bob","id":"u7","role":"support","type":"person","email":"b@x"},"#
                + #""entity":{"type":"invoice","id":"I-9","name":"March"}}"#)
        #expect(event.actor == "bob" && event.actorID == "u7" && event.actorRole == "support" && event.actorType == "person")
        #expect(event.entityType == "invoice" && event.entityID == "I-9" && event.entityName == "March")
        #expect(event.attrs == ["user": ["email": "b@x"]])
        #expect(try Self.parse(#"{"entity":"order"}"#).entityType == "order")
    }

    @Test(arguments: [
        ("ok", "success"), ("Succeeded", "success"), ("true", "success"), ("denied", "failure"), ("error", "failure"),
    ])
    func mapsOutcomeWords(_ word: String, _ outcome: String) throws {
        #expect(try Self.parse(#"{"outcome":"\#(word)"}"#).outcome == outcome)
    }

    @Test func mapsBooleanOutcomeAndLeavesUnknownWordsInAttrs() throws {
        #expect(try Self.parse(#"{"result":false}"#).outcome == "failure")
        let odd = try Self.parse(#"{"result":"maybe"}"#)
        #expect(odd.outcome == nil && odd.attrs["result"] == "maybe")
    }

    @Test(arguments: [
        ("debug", "info"), ("info", "info"), ("notice", "low"), ("warn", "medium"), ("err", "high"),
        ("emerg", "critical"), ("critical", "critical"), ("high", "high"), ("low", "low"),
    ])
    func mapsSeverityWords(_ word: String, _ severity: String) throws {
        #expect(try Self.parse(#"{"severity":"\#(word)"}"#).severity == severity)
    }

    @Test(arguments: [
        (#""2024-01-02T03:04:05.5+01:00""#, "2024-01-02T02:04:05.500000Z"),
        ("1700000000", "2023-11-14T22:13:20.000000Z"),
        ("1700000000.25", "2023-11-14T22:13:20.250000Z"),
        ("1700000000123", "2023-11-14T22:13:20.123000Z"),
        ("1700000000123456", "2023-11-14T22:13:20.123456Z"),
        (#""1700000000""#, "2023-11-14T22:13:20.000000Z"),
    ])
    func readsPayloadTimes(_ json: String, _ expected: String) throws {
        #expect(try Self.parse(#"{"ts":\#(json)}"#).time.rfc3339 == expected)
    }

    @Test func readsZonelessPayloadTimeInTheRouteZone() throws {
        let parser = try JSONSourceParser(configuration: ParserConfiguration())
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let event = try parser.parse(Self.input(#"{"time":"2024-07-01 12:00:00"}"#, zone: berlin))
        #expect(event.time.rfc3339 == "2024-07-01T10:00:00.000000Z")
    }

    @Test func readsDurationInSeconds() throws {
        #expect(try Self.parse(#"{"duration":1.5}"#).durationMS == 1500)
    }

    @Test func readsChangesInEveryShape() throws {
        let list = try Self.parse(#"{"changes":[{"field":"limit","old":1000,"new":5000},{"field":"note","new":"x"}]}"#)
        #expect(list.changes == [.init(field: "limit", old: 1000, new: 5000), .init(field: "note", old: nil, new: "x")])
        let object = try Self.parse(#"{"changes":{"limit":{"old":1,"new":2},"tier":["a","b"]}}"#)
        #expect(object.changes == [.init(field: "limit", old: 1, new: 2), .init(field: "tier", old: "a", new: "b")])
        let diff = try Self.parse(#"{"before":{"a":1,"b":2,"c":3},"after":{"a":1,"b":5,"d":4}}"#)
        #expect(
            diff.changes == [
                .init(field: "b", old: 2, new: 5), .init(field: "c", old: 3, new: nil), .init(field: "d", old: nil, new: 4),
            ])
        #expect(diff.attrs.isEmpty)
        let created = try Self.parse(#"{"after":{"email":"a@example.com"}}"#)
        #expect(created.changes == [.init(field: "email", old: nil, new: "a@example.com")] && created.attrs.isEmpty)
        let deleted = try Self.parse(#"{"before":{"email":"a@example.com"}}"#)
        #expect(deleted.changes == [.init(field: "email", old: "a@example.com", new: nil)])
        let odd = try Self.parse(#"{"changes":"everything"}"#)
        #expect(odd.changes.isEmpty && odd.attrs["changes"] == "everything")
    }

    @Test func configuredAliasesComeBeforeTheDefaults() throws {
        let event = try Self.parse(
            #"{"who":"carol","user":"dave","what":"export"}"#,
            options: ["aliases": ["actor": ["who"], "action": "what"]])
        #expect(event.actor == "carol" && event.action == "export" && event.attrs == ["user": "dave"])
    }

    @Test func rejectsBadOptionsNamingThePath() {
        #expect(throws: ConfigurationError(path: "aliases.actr", reason: "unknown event field; expected one of \(["actor", "actor_id", "actor_role", "actor_type", "impersonator", "session", "action", "category", "entity_type", "entity_id", "entity_name", "outcome", "severity", "ip", "user_agent", "method", "url", "status", "duration_ms", "bytes", "message", "time", "changes"].joined(separator: ", "))")) {
            try JSONSourceParser(configuration: ParserConfiguration(options: ["aliases": ["actr": ["x"]]]))
        }
        #expect(throws: ConfigurationError(path: "aliases.actor[1]", reason: "expected a member name")) {
            try JSONSourceParser(configuration: ParserConfiguration(options: ["aliases": ["actor": ["x", 3]]]))
        }
        #expect(throws: ConfigurationError.self) {
            try JSONSourceParser(configuration: ParserConfiguration(options: ["alias": [:]]))
        }
    }

    @Test func throwsOnPayloadsThatAreNotObjects() throws {
        let parser = try JSONSourceParser(configuration: ParserConfiguration())
        #expect(throws: ParseError.self) { try parser.parse(Self.input("plain text")) }
        #expect(throws: ParseError(parser: "json", reason: "expected a JSON object, found another JSON value", offset: 0)) {
            try parser.parse(Self.input("[1,2]"))
        }
        do {
            _ = try parser.parse(Self.input(#"{"a":}"#))
            Issue.record("accepted broken JSON")
        } catch {
            #expect(error.offset == 5)
            #expect(error.description.hasPrefix("The json parser cannot read the message"))
        }
    }

    @Test func acceptsOnlyObjects() throws {
        let parser = try JSONSourceParser(configuration: ParserConfiguration())
        #expect(parser.accepts(Self.input(#"  {"a":1}"#)))
        #expect(!parser.accepts(Self.input("[1]")))
        #expect(!parser.accepts(Self.input("")))
    }

    @Test func registryBuildsParsersByName() throws {
        #expect(ParserRegistry.names.first == "json")
        #expect(Set(ParserRegistry.names).count == ParserRegistry.names.count)
        #expect(try ParserRegistry.make(name: "json", configuration: ParserConfiguration()) is JSONSourceParser)
        #expect(throws: ConfigurationError.unknownParser("nosuch", known: ParserRegistry.names)) {
            try ParserRegistry.make(name: "nosuch", configuration: ParserConfiguration())
        }
        do {
            _ = try ParserRegistry.make(name: "json", configuration: ParserConfiguration(options: ["aliases": 3]))
        } catch {
            #expect(error.path == "parsers.json.aliases")
            #expect(error.description == "Invalid configuration at parsers.json.aliases: expected an object.")
        }
    }
}
