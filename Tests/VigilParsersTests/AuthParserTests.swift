import Foundation
import Testing
import VigilCore
import VigilParsers

/// The `auth` parser through ``LineProcessor`` (so the syslog header is parsed as in production), against
/// the visible corpus kinds `sshd`, `sudo`, `auth` and the auth lines of `syslog_file`.
///
/// Flat vocabulary (FIELDS.md) onto the event: `user` → `actor` (for sudo the invoking user),
/// `source_ip` → `ip`, `source_port` → `attrs.port`, `outcome` → `outcome`, `ssh_event` → `attrs.ssh_event`,
/// `ssh_method` → `attrs.method`, `ssh_signature` → `attrs.signature`, `sudo_command` → `attrs.command`,
/// `sudo_run_as` → `attrs.run_as`, `sudo_pwd` → `attrs.pwd`, `sudo_tty` → `attrs.tty`, `sudo_error` →
/// `attrs.error`, `user_id` → `attrs.uid`, `group_id` → `attrs.gid`, `group_name` → `entity_name` of a
/// `group` entity (else `attrs.group`), `useradd_home` → `attrs.home`, `useradd_shell` → `attrs.shell`,
/// `auth_failure` (fail2ban) ⇔ action `login_failed` with an `ip`; envelope keys → `host`, `app`,
/// `attrs.syslog.procid`, `message`, `time`.
@Suite struct AuthParserTests {
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0)
        ?? Timestamp(microseconds: 0)

    /// Valid cases a stateless line parser cannot pass, with the reason.
    static let knownDifferences: [String: String] = [
        "fail2ban/sshd/L0165": "fail2ban forgets this 'Connection closed' because an earlier line accepted the key (stateful)",
        "fail2ban/sshd/L0236": "fail2ban (normal mode) ignores a pam_unix failure followed by a success on the next line (stateful); we report login_failed",
        "fail2ban/sshd/L0238": "as L0236: stateful suppression of a pam_unix failure",
        "fail2ban/sshd/L0258": "as L0236: fail2ban counts pam_unix failures only together with sshd's own 'Failed' line (stateful)",
        "fail2ban/sshd/L0260": "as L0258",
        "fail2ban/sshd/L0324": "the peer address comes from the previous line of the same sshd pid (stateful)",
        "fail2ban/sshd/L0359": "the peer address comes from earlier lines of the same sshd pid (stateful)",
    ]

    static let authPrograms: Set<String> = ["sshd", "sshd-session", "sudo", "su", "groupadd", "useradd", "login"]

    /// Every case of the auth kinds, and the `syslog_file` cases written by an auth program.
    static let cases = ["sshd", "sudo", "auth"].flatMap(CorpusCase.load)
        + CorpusCase.load("syslog_file").filter { authPrograms.contains($0.expected["appname"]?.stringValue ?? "") }
    static let validCases = cases.filter { $0.valid == true && knownDifferences[$0.id] == nil }

    static let processor = LineProcessor(
        routes: [LineProcessor.Route(parser: AuthParser.name, requireParser: true)],
        parsers: [AuthParser.name: makeParser()])

    static func makeParser() -> AuthParser {
        (try? AuthParser(configuration: ParserConfiguration())) ?? { preconditionFailure("no options") }()
    }

    static func process(_ bytes: [UInt8]) -> AuditEvent {
        processor.process(ReceivedLine(bytes: bytes, received: reference, listener: "file"))
    }

    static func process(_ text: String) -> AuditEvent { process(Array(text.utf8)) }

    @Test func corpusIsPresent() {
        #expect(CorpusCase.load("sshd").count == 93)
        #expect(CorpusCase.load("sudo").count == 25)
        #expect(CorpusCase.load("auth").count == 1)
        #expect(Self.validCases.count + Self.knownDifferences.count == Self.cases.filter { $0.valid == true }.count)
    }

    @Test(arguments: validCases)
    func validCaseYieldsExpectedFields(_ corpusCase: CorpusCase) {
        let event = Self.process(corpusCase.bytes)
        let isAuthProgram = corpusCase.expected["appname"]?.stringValue.map(Self.authPrograms.contains) ?? true
        if isAuthProgram {
            #expect(event.action != AuditEvent.unparsedAction, "\(corpusCase.id): \(event.error ?? "")")
            #expect(event.kind == "auth", "\(corpusCase.id)")
        }
        let problems = Self.mismatches(event, corpusCase.expected)
        #expect(problems.isEmpty, "\(corpusCase.id): \(problems)")
    }

    @Test(arguments: knownDifferences.keys.sorted())
    func knownDifferenceStillParses(_ id: String) throws {
        let corpusCase = try #require(Self.cases.first { $0.id == id })
        let event = Self.process(corpusCase.bytes)
        #expect(event.action != AuditEvent.unparsedAction)
    }

    @Test func otherProgramsAreLeftToTheRoute() {
        let parser = Self.makeParser()
        let event = Self.process("Dec 13 11:35:30 host ksfetch[21414]: main() Fetcher is exiting.")
        #expect(event.action == AuditEvent.unparsedAction)
        #expect(event.error?.contains("auth") == true)
        let input = ParserInput(
            line: ReceivedLine(bytes: [], received: Self.reference, listener: "x"),
            syslog: SyslogMessage(appName: "nginx", message: "Accepted password for bob from 1.2.3.4 port 1 ssh2"))
        #expect(!parser.accepts(input))
        #expect(throws: ParseError.self) { try parser.parse(input) }
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
            line: "Sep  6 09:57:24 bullseye sshd[812]: Accepted publickey for vagrant from 192.168.121.1 port 56302 ssh2: RSA SHA256:kzfjfps/WFg",
            action: "login",
            fields: [
                "actor": "vagrant", "ip": "192.168.121.1", "attrs.port": 56302, "attrs.method": "publickey",
                "attrs.signature": "RSA SHA256:kzfjfps/WFg", "outcome": "success", "severity": "info", "kind": "auth",
            ]),
        Expectation(
            line: "Mar  7 18:53:20 bar sshd[1556]: Accepted keyboard-interactive/pam for root from 2001:db8::1 port 52100 ssh2",
            action: "login",
            fields: ["actor": "root", "ip": "2001:db8::1", "attrs.method": "keyboard-interactive/pam", "severity": "low"]),
        Expectation(
            line: "Feb 25 14:34:10 belka sshd[31602]: Failed password for invalid user ROOT from 194.117.26.69 port 50273 ssh2",
            action: "login_failed",
            fields: [
                "actor": "ROOT", "ip": "194.117.26.69", "attrs.invalid_user": true, "outcome": "failure",
                "severity": "medium",
            ]),
        Expectation(
            line: "Nov 28 09:16:05 srv sshd[32310]: Failed publickey for git from 192.0.2.111 port 57910 ssh2: RSA 14:ba",
            action: "key_rejected", fields: ["actor": "git", "ip": "192.0.2.111", "outcome": "failure"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: error: maximum authentication attempts exceeded for root from 203.0.113.9 port 4022 ssh2 [preauth]",
            action: "login_failed", fields: ["actor": "root", "ip": "203.0.113.9", "attrs.port": 4022]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: error: PAM: Authentication failure for illegal user admin from evil.example.com",
            action: "login_failed", fields: ["actor": "admin", "attrs.remote_host": "evil.example.com"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: Disconnected from user bob 203.0.113.9 port 4022",
            action: "logout", fields: ["actor": "bob", "ip": "203.0.113.9"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: Received disconnect from 203.0.113.9 port 4022:11: disconnected by user",
            action: "logout", fields: ["ip": "203.0.113.9", "attrs.disconnect_code": "11"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: pam_unix(sshd:session): session opened for user bob by (uid=0)",
            action: "session_start", fields: ["actor": "bob", "attrs.pam_service": "sshd"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: pam_unix(sshd:session): session closed for user bob",
            action: "session_end", fields: ["actor": "bob"]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.", action: "system", fields: [:]),
        Expectation(
            line: "Jun  1 10:00:00 h sshd[1]: Connection from 192.0.2.1 port 31309 on 192.0.2.8 port 22",
            action: "connection", fields: ["ip": "192.0.2.1", "attrs.port": 31309]),
        Expectation(
            line: "Jun  1 10:00:00 h sudo:     bob : TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/ls -l ; echo",
            action: "command",
            fields: [
                "actor": "bob", "attrs.run_as": "root", "attrs.command": "/bin/ls -l ; echo", "attrs.pwd": "/home",
                "attrs.tty": "pts/0", "outcome": "success", "severity": "low",
            ]),
        Expectation(
            line: "Jun  1 10:00:00 h sudo:     bob : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/ls",
            action: "login_failed",
            fields: ["actor": "bob", "attrs.error": "3 incorrect password attempts", "outcome": "failure"]),
        Expectation(
            line: "Jun  1 10:00:00 h sudo:     eve : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
            action: "command", fields: ["actor": "eve", "outcome": "failure", "attrs.error": "user NOT in sudoers"]),
        Expectation(
            line: "Jun  1 10:00:00 h sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob",
            action: "login_failed", fields: ["actor": "bob", "attrs.pam_service": "sudo"]),
        Expectation(
            line: "Feb  9 21:19:48 precise32 sudo: pam_unix(sudo:session): session opened for user root by vagrant(uid=1000)",
            action: "session_start", fields: ["actor": "vagrant", "attrs.target_user": "root", "attrs.uid": "1000"]),
        Expectation(
            line: "Jun  1 10:00:00 h su[5]: Successful su for root by bob", action: "login",
            fields: ["actor": "bob", "attrs.run_as": "root", "severity": "low"]),
        Expectation(
            line: "Jun  1 10:00:00 h su[5]: FAILED su for root by bob", action: "login_failed", fields: ["actor": "bob"]),
        Expectation(
            line: "Jun  1 10:00:00 h login[5]: FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure",
            action: "login_failed", fields: ["actor": "root", "attrs.tty": "/dev/tty1"]),
        Expectation(
            line: "Jun  1 10:00:00 h useradd[6]: new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0",
            action: "create",
            fields: [
                "entity_type": "user", "entity_name": "bob", "attrs.uid": "1001", "attrs.gid": "1001",
                "attrs.home": "/home/bob", "attrs.shell": "/bin/bash", "severity": "low",
            ]),
        Expectation(
            line: "Feb 22 11:47:05 localhost groupadd[6991]: new group: name=apache, GID=48", action: "create",
            fields: ["entity_type": "group", "entity_name": "apache", "attrs.gid": "48"]),
        Expectation(
            line: "Jun  1 10:00:00 h usermod[7]: add 'bob' to group 'sudo'", action: "permission_change",
            fields: ["entity_type": "user", "entity_name": "bob", "attrs.group": "sudo"]),
        Expectation(
            line: "Jun  1 10:00:00 h userdel[7]: delete user 'bob'", action: "delete",
            fields: ["entity_type": "user", "entity_name": "bob"]),
        Expectation(
            line: "Jun  1 10:00:00 h passwd[8]: pam_unix(passwd:chauthtok): password changed for bob",
            action: "password_change", fields: ["entity_type": "user", "entity_name": "bob"]),
        Expectation(
            line: "Jun  1 10:00:00 h chpasswd[8]: pam_unix(chpasswd:chauthtok): password changed for alice",
            action: "password_change", fields: ["entity_name": "alice"]),
        Expectation(
            line: "Jun  1 10:00:00 h systemd-logind[9]: New session 12 of user bob.", action: "session_start",
            fields: ["actor": "bob", "session": "12"]),
        Expectation(
            line: "Jun  1 10:00:00 h systemd-logind[9]: Removed session 12.", action: "session_end",
            fields: ["session": "12"]),
        Expectation(
            line: "<38>1 2024-06-01T10:00:00Z h sshd 77 - - Failed password for root from 198.51.100.7 port 22 ssh2",
            action: "login_failed", fields: ["actor": "root", "ip": "198.51.100.7", "app": "sshd"]),
    ]

    @Test(arguments: table)
    func lineMapsOntoEvent(_ expectation: Expectation) {
        let event = Self.process(expectation.line)
        #expect(event.action == expectation.action, "\(event.error ?? "")")
        for (field, value) in expectation.fields {
            #expect(event.value(forField: field) == value, "\(field)")
        }
    }

    // MARK: - Malformed

    static let malformed: [(String, [UInt8])] = [
        ("empty message", Array("Jun  1 10:00:00 h sshd[1]: ".utf8)),
        ("empty line", []),
        ("truncated header", Array("Jun  1 10:0".utf8)),
        ("invalid UTF-8", Array("Jun  1 10:00:00 h sshd[1]: Failed password for ".utf8) + [0xFF, 0xFE, 0xC3]
            + Array(" from 1.2.3.4 port 1 ssh2".utf8)),
        ("1 MB line", Array("Jun  1 10:00:00 h sshd[1]: Failed password for ".utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedLineIsUnparsed(_ index: Int) {
        let (name, bytes) = Self.malformed[index]
        let event = Self.process(bytes)
        #expect(event.action == AuditEvent.unparsedAction, "\(name)")
        #expect(event.error != nil, "\(name)")
    }

    @Test func truncatedLinesNeverCrash() {
        for line in Self.table.map(\.line) {
            let bytes = Array(line.utf8)
            for cut in stride(from: 0, through: bytes.count, by: 3) {
                _ = Self.process(Array(bytes[..<cut]))
            }
        }
    }

    // MARK: - Comparison

    /// Keys of `expected` whose value the event does not hold, as `key: expected … got …`.
    static func mismatches(_ event: AuditEvent, _ expected: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        for (key, want) in expected.sorted(by: { $0.key < $1.key }) {
            let got: JSONValue?
            switch key {
            case "user": got = event.actor.map(JSONValue.string)
            case "source_ip": got = event.ip.map(JSONValue.string)
            case "source_port": got = event.attrs["port"]
            case "outcome": got = event.outcome.map(JSONValue.string)
            case "ssh_event": got = event.attrs["ssh_event"]
            case "ssh_method": got = event.attrs["method"]
            case "ssh_signature": got = event.attrs["signature"]
            case "sudo_command": got = event.attrs["command"]
            case "sudo_run_as": got = event.attrs["run_as"]
            case "sudo_pwd": got = event.attrs["pwd"]
            case "sudo_tty": got = event.attrs["tty"]
            case "sudo_error": got = event.attrs["error"]
            case "user_id": got = event.attrs["uid"]
            case "group_id": got = event.attrs["gid"]
            case "group_name":
                got = event.entityType == "group" ? event.entityName.map(JSONValue.string) : event.attrs["group"]
            case "useradd_home": got = event.attrs["home"]
            case "useradd_shell": got = event.attrs["shell"]
            case "auth_failure": got = .bool(event.action == "login_failed" && event.ip != nil)
            case "hostname": got = event.host.map(JSONValue.string)
            case "appname": got = event.app.map(JSONValue.string)
            case "procid": got = event.attrs["syslog"]?["procid"]
            case "message": got = event.message.map(JSONValue.string)
            case "timestamp":
                guard let text = want.stringValue, let instant = Timestamp.parse(text) else { continue }
                // beats keeps milliseconds.
                if instant.microseconds / 1000 != event.time.microseconds / 1000 {
                    problems.append("timestamp: expected \(text), got \(event.time)")
                }
                continue
            case "timestamp_noyear", "timestamp_local":
                let rendered = event.time.rfc3339
                let actual = key == "timestamp_local" ? rendered : String(rendered.dropFirst(5))
                if let text = want.stringValue, !actual.hasPrefix(text) {
                    problems.append("\(key): expected \(text), got \(rendered)")
                }
                continue
            default: continue  // `extra`, `source_host` (not asserted by any visible case)
            }
            if want == .string("-") && got == nil { continue }
            if got != want { problems.append("\(key): expected \(want), got \(String(describing: got))") }
        }
        return problems
    }
}
