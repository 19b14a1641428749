import Foundation
import Testing
import VigilCore
import VigilParsers

/// The `auditd` parser through ``LineProcessor`` against the visible `auditd` corpus.
///
/// Flat vocabulary onto the event: `timestamp` → `time` (milliseconds), `audit_type` →
/// `attrs.audit_type`, `audit_sequence` → `attrs.audit_sequence`, `outcome` (beats' raw `res`) → `outcome`
/// after the success/failure mapping, `pid`/`ppid`/`uid`/`auid`/`exe`/`comm`/`terminal` → `attrs` (raw
/// text), `user` → `actor`, `source_ip` → `ip`.
///
/// `audit_fields` is go-libaudit's *interpreted* rendering, a reference for an enrichment layer: only the
/// keys that are raw tokens are compared. Not compared, by design: `arch`, `syscall`, `sig` and a symbolic
/// `exit` (names looked up from numbers), `family` (derived from `saddr`), `result` (go-libaudit's
/// success/fail word; our `outcome` covers it), `subj_*` (the split SELinux context; we keep `subj` whole)
/// and the word `unset` (for `auid`/`ses` 4294967295, which we keep raw).
@Suite struct AuditdParserTests {
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)
    static let cases = CorpusCase.load("auditd")
    static let validCases = cases.filter { $0.valid == true }

    static let processor = LineProcessor(
        routes: [LineProcessor.Route(parser: AuditdParser.name, requireParser: true)],
        parsers: [AuditdParser.name: makeParser()])

    static func makeParser() -> AuditdParser {
        (try? AuditdParser(configuration: ParserConfiguration())) ?? { preconditionFailure("no options") }()
    }

    static func process(_ bytes: [UInt8]) -> AuditEvent {
        processor.process(ReceivedLine(bytes: bytes, received: reference, listener: "audit"))
    }

    static func process(_ text: String) -> AuditEvent { process(Array(text.utf8)) }

    @Test func corpusIsPresent() {
        #expect(Self.cases.count == 60)
    }

    @Test(arguments: validCases)
    func validCaseYieldsExpectedFields(_ corpusCase: CorpusCase) {
        let event = Self.process(corpusCase.bytes)
        #expect(event.action != AuditEvent.unparsedAction, "\(corpusCase.id): \(event.error ?? "")")
        let problems = Self.mismatches(event, corpusCase.expected)
        #expect(problems.isEmpty, "\(corpusCase.id): \(problems)")
    }

    // MARK: - Table

    struct Expectation: Sendable, CustomStringConvertible {
        var line: String
        var action: String
        var fields: [String: JSONValue]
        var description: String { line }
    }

    static let table: [Expectation] = [
        Expectation(
            line: "type=USER_LOGIN msg=audit(1700000000.123:456): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"bob\" exe=\"/usr/sbin/sshd\" hostname=? addr=1.2.3.4 terminal=ssh res=failed'",
            action: "login_failed",
            fields: [
                "time": "2023-11-14T22:13:20.123000Z", "actor": "bob", "ip": "1.2.3.4", "outcome": "failure",
                "attrs.result": "failed", "attrs.audit_sequence": 456, "attrs.uid": "0", "kind": "auth",
                "severity": "medium", "attrs.terminal": "ssh",
            ]),
        Expectation(
            line: "Nov 14 22:13:20 host audispd: node=web1 type=USER_LOGIN msg=audit(1700000000.500:7): pid=1 uid=0 auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=h addr=2001:db8::5 terminal=/dev/pts/0 res=success'",
            action: "login",
            fields: ["attrs.node": "web1", "actor_id": "1000", "session": "3", "ip": "2001:db8::5", "app": "audispd"]),
        Expectation(
            line: "type=USER_LOGOUT msg=audit(1700000000.000:8): pid=1 uid=0 auid=1000 ses=3 msg='op=logout id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'",
            action: "logout", fields: ["ip": nil]),
        Expectation(
            line: "type=USER_CMD msg=audit(1488862769.030:19469538): user pid=3027 uid=497 auid=700 ses=11988 msg='cwd=\"/\" cmd=2F62696E2F6C73202D6C terminal=? res=success'",
            action: "command", fields: ["attrs.command": "/bin/ls -l", "attrs.cmd": "/bin/ls -l", "actor_id": "700"]),
        Expectation(
            line: "type=EXECVE msg=audit(1700000000.000:9): argc=3 a0=\"ls\" a1=2D6C61 a2=\"/tmp\"",
            action: "command", fields: ["attrs.command": "ls -la /tmp"]),
        Expectation(
            line: "type=SYSCALL msg=audit(1700000000.000:9): arch=c000003e syscall=59 success=yes exit=0 a0=55d a1=55e items=2 ppid=1 pid=2 auid=1000 uid=0 comm=\"ls\" exe=\"/usr/bin/ls\" key=(null)",
            action: "command", fields: ["attrs.command": "/usr/bin/ls", "attrs.a0": "55d", "attrs.key": "(null)", "outcome": "success"]),
        Expectation(
            line: "type=ADD_USER msg=audit(1481076992.488:389): pid=1264 uid=0 auid=1000 ses=4 msg='op=add-user acct=\"frodo\" id=1001 exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=pts/0 res=success'",
            action: "create",
            fields: ["entity_type": "user", "entity_name": "frodo", "entity_id": "1001", "actor": nil, "severity": "low"]),
        Expectation(
            line: "type=DEL_GROUP msg=audit(1481076992.488:390): pid=1 uid=0 auid=0 ses=1 msg='op=delete-group acct=\"staff\" exe=\"/usr/sbin/groupdel\" hostname=? addr=? terminal=pts/0 res=success'",
            action: "delete", fields: ["entity_type": "group", "entity_name": "staff"]),
        Expectation(
            line: "type=USER_CHAUTHTOK msg=audit(1481076992.488:391): pid=1 uid=0 auid=0 ses=1 msg='op=PAM:chauthtok acct=\"bob\" exe=\"/usr/bin/passwd\" hostname=? addr=? terminal=pts/0 res=success'",
            action: "password_change", fields: ["entity_type": "user", "entity_name": "bob"]),
        Expectation(
            line: "type=USER_MGMT msg=audit(1481076992.488:392): pid=1 uid=0 auid=0 ses=1 msg='op=add-user-to-group grp=\"sudo\" acct=\"bob\" exe=\"/usr/sbin/usermod\" hostname=? addr=? terminal=pts/0 res=success'",
            action: "permission_change", fields: ["entity_name": "bob", "attrs.grp": "sudo"]),
        Expectation(
            line: "type=CONFIG_CHANGE msg=audit(1481077231.371:478): auid=1000 ses=3 op=\"add_rule\" key=(null) list=4 res=1",
            action: "settings_change", fields: ["outcome": "success", "attrs.result": "1", "kind": "system"]),
        Expectation(
            line: "type=USER_ROLE_CHANGE msg=audit(1481077231.371:479): pid=1 uid=0 auid=0 ses=1 msg='op=role-change acct=\"bob\" res=success'",
            action: "permission_change", fields: ["actor": "bob"]),
        Expectation(
            line: "type=CWD msg=audit(1500661699.656:1208725):  cwd=2F746D702F6120622063", action: "cwd",
            fields: ["attrs.cwd": "/tmp/a b c", "kind": "system"]),
        Expectation(
            line: "type=PROCTITLE msg=audit(1451781471.394:194435): proctitle=2F62696E2F7368002D63006C73",
            action: "proctitle", fields: ["attrs.proctitle": "/bin/sh -c ls"]),
        Expectation(
            line: "type=USER_AUTH msg=audit(1700000000.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication acct=\"beef\" exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'",
            action: "login", fields: ["actor": "beef"]),
        Expectation(
            line: "audit: type=1400 audit(1700000000.001:77): apparmor=\"DENIED\" operation=\"open\" profile=\"snap\" name=\"/etc/shadow\" pid=5 comm=\"cat\"",
            action: "1400", fields: ["attrs.apparmor": "DENIED", "attrs.name": "/etc/shadow"]),
    ]

    @Test(arguments: table)
    func recordMapsOntoEvent(_ expectation: Expectation) {
        let event = Self.process(expectation.line)
        #expect(event.action == expectation.action, "\(event.error ?? "")")
        for (field, value) in expectation.fields {
            let got = event.value(forField: field)
            if value == .null {
                #expect(got == nil, "\(field)")
            } else {
                #expect(got == value, "\(field)")
            }
        }
    }

    // MARK: - Malformed

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("no stamp", Array("type=USER_LOGIN pid=1".utf8)),
        ("truncated stamp", Array("type=USER_LOGIN msg=audit(1700000000.1".utf8)),
        ("no serial", Array("type=USER_LOGIN msg=audit(1700000000.123): pid=1".utf8)),
        ("not audit", Array("hello world".utf8)),
        ("invalid UTF-8", Array("type=USER_LOGIN msg=audit(1700000000.123:4): acct=\"".utf8) + [0xFF, 0xC0] + Array("\"".utf8)),
        ("oversized", Array("type=EXECVE msg=audit(1700000000.123:4): a0=\"".utf8)
            + [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedRecordIsUnparsed(_ index: Int) {
        let (name, bytes) = Self.malformed[index]
        let event = Self.process(bytes)
        #expect(event.action == AuditEvent.unparsedAction, "\(name)")
        #expect(event.error != nil, "\(name)")
    }

    @Test func truncatedRecordsNeverCrash() {
        for corpusCase in Self.cases {
            for cut in stride(from: 0, through: corpusCase.bytes.count, by: 5) {
                _ = Self.process(Array(corpusCase.bytes[..<cut]))
            }
        }
    }

    // MARK: - Comparison

    static let interpretedKeys: Set<String> = ["arch", "syscall", "sig", "family", "result"]

    static func mismatches(_ event: AuditEvent, _ expected: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        func text(_ value: JSONValue?) -> String? { value?.scalarText }
        for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "timestamp":
                guard let wanted = want.stringValue.flatMap({ Timestamp.parse($0) }),
                    wanted.microseconds / 1000 == event.time.microseconds / 1000
                else {
                    problems.append("timestamp: expected \(want), got \(event.time)")
                    continue
                }
            case "audit_type", "audit_sequence":
                if event.attrs[key] != want { problems.append("\(key): expected \(want), got \(String(describing: event.attrs[key]))") }
            case "outcome":
                let mapped = want.stringValue.flatMap { $0 == "success" ? "success" : $0.hasPrefix("fail") ? "failure" : nil }
                if mapped != event.outcome { problems.append("outcome: expected \(want), got \(String(describing: event.outcome))") }
            case "pid", "ppid", "uid", "auid", "exe", "comm", "terminal":
                if text(event.attrs[key]) != text(want) { problems.append("\(key): expected \(want), got \(String(describing: event.attrs[key]))") }
            case "user":
                if event.actor != want.stringValue { problems.append("user: expected \(want), got \(String(describing: event.actor))") }
            case "source_ip":
                if event.ip != want.stringValue { problems.append("source_ip: expected \(want), got \(String(describing: event.ip))") }
            case "audit_fields":
                for (field, value) in (want.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if interpretedKeys.contains(field) || field.hasPrefix("subj_") || value == "unset" { continue }
                    if field == "exit", let word = value.stringValue, Int(word) == nil { continue }
                    if text(event.attrs[field]) != text(value) {
                        problems.append("audit_fields.\(field): expected \(value), got \(String(describing: event.attrs[field]))")
                    }
                }
            default:
                continue
            }
        }
        return problems
    }
}
