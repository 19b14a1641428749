import Foundation
import VigilCore

/// The `auth` parser: the lines of `/var/log/auth.log` (or the `auth`/`authpriv` syslog facility) from
/// sshd, sudo, su, PAM, login, the shadow tools (useradd, groupadd, usermod, userdel, groupdel, passwd,
/// chpasswd, gpasswd) and systemd-logind, mapped onto audit actions.
///
/// The program comes from the syslog tag (`sshd[123]:`), already parsed; lines of other programs are a
/// ``ParseError`` so the route decides what to do with them. Every event gets `kind: auth` and keeps the
/// syslog MSG as `message`.
///
/// | line | action | fields |
/// | --- | --- | --- |
/// | `Accepted password/publickey/keyboard-interactive for U from IP port N ssh2[: RSA SHA256:…]` | `login` | actor, ip, `attrs.port`, `attrs.method`, `attrs.signature`, outcome success |
/// | `Failed password for [invalid user] U from IP port N ssh2`, `Invalid user U from IP`, `pam_*: authentication failure`, `maximum authentication attempts exceeded`, `Connection closed/reset by authenticating user U IP port N`, `error: PAM: Authentication failure`, sudo `N incorrect password attempts`, pre-auth drops (`Unable to negotiate`, `Timeout before authentication`, `[preauth]` disconnects) | `login_failed` | actor, ip, `attrs.reason`, outcome failure |
/// | `Failed publickey for U …` | `key_rejected` | a client offering a key the server does not know is routine, not a failed login (fail2ban agrees) |
/// | `session closed`, `Disconnected from user U IP port N`, `Received disconnect` (after auth), logind `Session N logged out` | `logout` | |
/// | sudo `U : TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/ls` | `command` | actor = invoking user, `attrs.run_as`, `attrs.command`, `attrs.pwd`, `attrs.tty`, `attrs.error` for refusals |
/// | `pam_unix(S:session): session opened/closed for user X [by Y(uid=N)]`, logind `New session N of user U`, `Removed session N` | `session_start` / `session_end` | actor = Y when given, else X; `attrs.target_user` = X then |
/// | useradd/groupadd `new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash` | `create` | entity_type `user`/`group`, entity_name, `attrs.uid`, `attrs.gid`, `attrs.home`, `attrs.shell` |
/// | userdel/groupdel | `delete` | |
/// | `password changed for bob`, `password for 'bob' changed by 'root'` | `password_change` | entity user |
/// | `add 'bob' to group 'sudo'`, `delete 'bob' from group 'sudo'` | `permission_change` | entity user, `attrs.group` |
/// | other sshd lines (`Server listening on`, `Connection from`, `subsystem request`) | `connection` (with an ip) or `system` | |
///
/// Attribute names: `attrs.port` (int), `attrs.method`, `attrs.signature`, `attrs.ssh_event` (`Accepted`,
/// `Failed`, `Invalid`), `attrs.protocol` (`ssh2`), `attrs.invalid_user` (true when sshd says the account
/// does not exist), `attrs.reason`, `attrs.program` (the program family: `sshd`, `sudo`, `pam`, …),
/// `attrs.pam_module`, `attrs.pam_service`, `attrs.remote_host` (a peer given as a name, not an IP).
///
/// Severity (a documented choice): failures are `medium`; a successful login or `su` as root, a command
/// run as root, account creation or deletion, password and group changes are `low`; the rest `info`.
///
/// Options: none.
public struct AuthParser: SourceParser {
    public static let name = "auth"

    /// Program names (syslog tags) this parser reads, with the family that handles them.
    static let programs: [String: Program] = [
        "sshd": .sshd, "sshd-session": .sshd, "sshd-auth": .sshd, "sudo": .sudo, "su": .su, "login": .login,
        "useradd": .shadow, "groupadd": .shadow, "usermod": .shadow, "userdel": .shadow, "groupdel": .shadow,
        "groupmod": .shadow, "passwd": .shadow, "chpasswd": .shadow, "gpasswd": .shadow, "chage": .shadow,
        "newusers": .shadow, "systemd-logind": .logind, "cron": .pam, "CRON": .pam, "crond": .pam,
        "polkitd": .pam, "dovecot": .pam, "vsftpd": .pam, "systemd": .pam, "runuser": .pam, "pkexec": .pam,
    ]

    enum Program: String {
        case sshd, sudo, su, login, shadow, logind, pam
    }

    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: [])
    }

    /// `true` when the syslog tag names a program this parser knows.
    public func accepts(_ input: ParserInput) -> Bool {
        Self.program(of: input) != nil
    }

    /// - Throws: ``ParseError`` for another program's line, an empty message or one that is not valid text.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        guard let program = Self.program(of: input) else {
            throw ParseError(parser: Self.name, reason: "the program \(input.syslog.appName ?? "(none)") is not an auth source")
        }
        let message = input.syslog.message
        guard !message.isEmpty, message.utf8.count <= Self.maximumLength else {
            throw ParseError(parser: Self.name, reason: message.isEmpty ? "the message is empty" : "the message is too long")
        }
        guard !message.unicodeScalars.contains("\u{FFFD}") else {
            throw ParseError(parser: Self.name, reason: "the message is not valid UTF-8")
        }
        var text = Substring(message)
        if input.syslog.appName == nil, let tag = Self.bracketTag(message) {
            text = tag.rest
        }
        var line = AuthLine(event: input.makeEvent(action: "system"), text: Self.stripSolarisTag(text))
        if input.syslog.appName == nil, let tag = Self.bracketTag(message) { line.event.app = String(tag.name) }
        line.event.kind = "auth"
        line.event.message = message
        line.set("program", .string(program.rawValue))
        switch program {
        case .sshd: line.sshd()
        case .sudo: line.sudo()
        case .su: line.su()
        case .login: line.login()
        case .shadow: line.shadow(program: input.syslog.appName ?? "")
        case .logind: line.logind()
        case .pam: _ = line.pam()
        }
        line.finish()
        return line.event
    }

    /// Longest message read; auth lines are short, and the regex-free scans stay linear anyway.
    static let maximumLength = 64 * 1024

    static func program(of input: ParserInput) -> Program? {
        if let name = input.syslog.appName { return programs[name] }
        return bracketTag(input.syslog.message).flatMap { programs[String($0.name)] }
    }

    /// The `[sshd]: ` tag some relays write where the header parser expects a host name.
    static func bracketTag(_ message: String) -> (name: Substring, rest: Substring)? {
        let text = Substring(message)
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]"),
            text[close...].hasPrefix("]: ")
        else { return nil }
        return (text[text.index(after: text.startIndex)..<close], text[close...].dropFirst(3))
    }

    /// Solaris prefixes messages with `[ID 800047 auth.info] `.
    static func stripSolarisTag(_ text: Substring) -> Substring {
        guard text.hasPrefix("[ID "), let close = text.firstIndex(of: "]") else { return text }
        return text[text.index(after: close)...].drop { $0 == " " }
    }
}

// MARK: - One line being read

/// The text of one auth message and the event it becomes.
struct AuthLine {
    var event: AuditEvent
    var text: Substring

    mutating func set(_ key: String, _ value: JSONValue) { event.attrs[key] = value }

    mutating func set(_ key: String, _ value: Substring?) {
        guard let value, !value.isEmpty else { return }
        event.attrs[key] = .string(String(value))
    }

    mutating func actor(_ name: Substring?) {
        guard let name = name.map(Self.unquote), !name.isEmpty, name != "?", name != "-" else { return }
        event.actor = String(name)
    }

    mutating func endpoint(_ found: AuthEndpoint?) {
        guard let found else { return }
        event.ip = found.ip
        if let port = found.port { set("port", .int(Int64(port))) }
    }

    mutating func outcome(_ action: String, _ outcome: String?) {
        event.action = action
        event.outcome = outcome
    }

    /// Severity per the table in ``AuthParser``.
    mutating func finish() {
        if event.severity != nil { return }
        let rootish = event.actor == "root" || event.attrs["run_as"] == .string("root")
        switch event.action {
        case "login_failed": event.severity = "medium"
        case "create", "delete", "password_change", "permission_change": event.severity = "low"
        case "login", "command":
            event.severity = event.outcome == Outcome.failure ? "medium" : rootish ? "low" : "info"
        default: event.severity = event.outcome == Outcome.failure ? "medium" : "info"
        }
    }

    static func unquote(_ text: Substring) -> Substring {
        var t = text
        while let first = t.first, first == "'" || first == "\"" || first == "[" { t = t.dropFirst() }
        while let last = t.last, last == "'" || last == "\"" || last == "]" { t = t.dropLast() }
        return t
    }

    // MARK: sshd

    mutating func sshd() {
        var body = text
        var severityPrefix: Substring?
        for prefix in ["error: ", "fatal: "] where body.hasPrefix(prefix) {
            severityPrefix = body.prefix(prefix.count - 2)
            body = body.dropFirst(prefix.count)
        }
        set("log_level", severityPrefix)
        text = body
        if pam() { return }

        if let rest = body.after("Accepted ") {
            authResult(rest, event: "Accepted")
        } else if let rest = body.after("Failed ") {
            authResult(rest, event: "Failed")
        } else if let rest = body.after("Invalid user ") ?? body.after("Illegal user ") {
            outcome("login_failed", Outcome.failure)
            set("ssh_event", "Invalid")
            set("invalid_user", .bool(true))
            let found = AuthEndpoint.find(in: rest, marker: " from ", last: false)
            actor(found.map { rest[..<$0.range.lowerBound] } ?? rest.upTo(" from "))
            endpoint(found ?? AuthEndpoint.bare(after: " from ", in: rest))
        } else if body.hasPrefix("User "), body.contains(" not allowed because ") {
            // `User root from 1.2.3.4 not allowed because ...` / `User root not allowed because account is locked`
            outcome("login_failed", Outcome.failure)
            let rest = body.dropFirst(5)
            let head = rest.upTo(" not allowed because ") ?? rest
            actor(head.upTo(" from ") ?? head)
            endpoint(AuthEndpoint.bare(after: " from ", in: head))
            set("reason", rest.afterFirst(" not allowed because ").map { Substring("not allowed because \($0)") })
        } else if let rest = body.after("maximum authentication attempts exceeded for ") {
            outcome("login_failed", Outcome.failure)
            set("reason", "maximum authentication attempts exceeded")
            userAndEndpoint(rest, marker: " from ", last: false)
        } else if let rest = body.after("Disconnecting: Too many authentication failures") {
            outcome("login_failed", Outcome.failure)
            set("reason", "too many authentication failures")
            actor(rest.afterFirst(" for ")?.upTo(" ") ?? rest.afterFirst(" for "))
        } else if let rest = body.after("Disconnecting ") , rest.contains("Too many authentication failures") {
            outcome("login_failed", Outcome.failure)
            set("reason", "too many authentication failures")
            preauthUser(rest)
        } else if let rest = body.after("Connection closed by ") ?? body.after("Connection reset by ") {
            closed(rest)
        } else if let rest = body.after("Disconnected from ") {
            if let user = rest.after("user ") , !rest.hasPrefix("invalid"), !rest.hasPrefix("authenticating") {
                outcome("logout", Outcome.success)
                userAndEndpoint(user, marker: " ", last: true)
            } else {
                closed(rest)
            }
        } else if let rest = body.after("Received disconnect from ") {
            receivedDisconnect(rest)
        } else if let rest = body.after("Unable to negotiate with ") {
            preauthFailure(rest, reason: rest.afterFirst(": ")?.upTo(". Their offer") ?? "unable to negotiate")
        } else if let rest = body.after("Timeout before authentication for ") {
            preauthFailure(rest, reason: "timeout before authentication")
        } else if let rest = body.after("ssh_dispatch_run_fatal: Connection from ") {
            preauthFailure(rest, reason: rest.afterFirst(": ")?.upTo(" [preauth]") ?? "protocol error")
        } else if body.hasPrefix("Magic value check failed"), let rest = body.afterFirst(" from ") {
            preauthFailure(rest, reason: "obfuscated handshake")
        } else if let rest = body.after("Bad protocol version identification ") {
            preauthFailure(rest.afterFirst(" from ") ?? rest, reason: "bad protocol version identification")
        } else if let rest = body.after("Did not receive identification string from ") {
            preauthFailure(rest, reason: "no identification string")
        } else if body.hasPrefix("kex_exchange_identification: ") {
            // No peer in the line (sshd logged it on the previous one): a failure we cannot attribute.
            outcome("login_failed", Outcome.failure)
            set("reason", body.dropFirst("kex_exchange_identification: ".count))
        } else if let rest = body.after("refused connect from ") {
            outcome("login_failed", Outcome.failure)
            set("reason", "connection refused")
            // `example.com (192.168.1.1)` or a bare address.
            if let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close {
                let inner = rest[rest.index(after: open)..<close]
                if IPAddress.parse(inner) != nil { event.ip = String(inner) }
                set("remote_host", rest[..<open].trimmingSpaces)
            } else if IPAddress.parse(rest.trimmingSpaces) != nil {
                event.ip = String(rest.trimmingSpaces)
            }
        } else if let rest = body.after("Connection from ") {
            event.action = "connection"
            endpoint(AuthEndpoint.find(in: rest, marker: " ", last: false))
        } else if let rest = body.after("subsystem request for ") {
            set("subsystem", rest.upTo(" ") ?? rest)
            actor(rest.afterFirst(" by user "))
        } else if let rest = body.after("Starting session: ") {
            event.action = "session_start"
            actor(rest.afterFirst(" for ")?.upTo(" from ") ?? rest.afterFirst(" for "))
            endpoint(AuthEndpoint.find(in: rest, marker: " from ", last: true))
        } else if let rest = body.after("Postponed ") {
            set("method", rest.upTo(" "))
            userAndEndpoint(rest.afterFirst(" for ") ?? rest, marker: " from ", last: false)
        } else if let rest = body.after("PAM "), rest.contains(" more authentication failure") {
            outcome("login_failed", Outcome.failure)
            set("attempts", rest.upTo(" "))
            pamKeyValues(rest.afterFirst("; ") ?? rest)
        } else if body.hasPrefix("pam_succeed_if(") || body.hasPrefix("pam_") {
            pamModuleLine(body)
        } else if let rest = body.after("PAM: Authentication failure for ") ?? body.after("PAM: Authentication error for ")
            ?? body.after("PAM: authentication error for ") ?? body.after("PAM: authentication failure for ")
        {
            outcome("login_failed", Outcome.failure)
            var user = rest.upTo(" from ") ?? rest
            if let stripped = user.after("illegal user ") ?? user.after("invalid user ") { user = stripped }
            actor(user)
            if let host = rest.afterFirst(" from ") {
                let peer = host.upTo(" via ") ?? host
                if IPAddress.parse(peer) != nil { event.ip = String(peer) } else { set("remote_host", peer) }
            }
        } else if let rest = body.after("Server listening on ") {
            endpoint(AuthEndpoint.find(in: rest, marker: " ", last: false))
            event.ip = nil
            set("listen", rest.upTo(" port ") ?? rest)
        } else {
            // Other sshd chatter: keep the peer when there is one.
            if let found = AuthEndpoint.find(in: body, marker: " ", last: false) {
                event.action = "connection"
                endpoint(found)
            }
        }
        if body.hasSuffix("[preauth]") { set("preauth", .bool(true)) }
    }

    /// `password for U from IP port N ssh2[: RSA SHA256:…]` after `Accepted `/`Failed `.
    mutating func authResult(_ rest: Substring, event word: String) {
        guard let method = rest.upTo(" for ") else { return }
        set("ssh_event", .string(word))
        set("method", method)
        let accepted = word == "Accepted"
        if accepted {
            outcome("login", Outcome.success)
        } else if method == "publickey" {
            outcome("key_rejected", Outcome.failure)
        } else {
            outcome("login_failed", Outcome.failure)
        }
        var afterFor = rest.afterFirst(" for ") ?? ""
        if let invalid = afterFor.after("invalid user ") ?? afterFor.after("illegal user ") {
            set("invalid_user", .bool(true))
            afterFor = invalid
        }
        guard let found = AuthEndpoint.find(in: afterFor, marker: " from ", last: false) else {
            actor(afterFor.upTo(" from ") ?? afterFor)
            return
        }
        let user = afterFor[..<found.range.lowerBound]
        if user != "<invalid username>" { actor(user) }
        endpoint(found)
        var tail = afterFor[found.range.upperBound...].drop { $0 == " " }
        let proto = tail.prefix { $0 != " " && $0 != ":" }
        if proto.hasPrefix("ssh") {
            set("protocol", proto)
            tail = tail.dropFirst(proto.count)
        }
        if let signature = tail.afterFirst(": ") {
            set("signature", signature)
        }
    }

    /// `USER IP port N [preauth]` or `USER from IP port N ...`: the peer is the last `IP port N` for
    /// `last`, so a user name holding `1.2.3.4 port 5` cannot pose as the peer.
    mutating func userAndEndpoint(_ rest: Substring, marker: String, last: Bool) {
        var rest = rest
        if let invalid = rest.after("invalid user ") ?? rest.after("illegal user ") {
            set("invalid_user", .bool(true))
            rest = invalid
        }
        if let found = AuthEndpoint.find(in: rest, marker: marker, last: last) {
            actor(rest[..<found.range.lowerBound])
            endpoint(found)
        } else {
            actor(rest.upTo(marker) ?? rest.upTo(" ") ?? rest)
        }
    }

    /// After `Connection closed by` / `Disconnected from`: `[authenticating|invalid] user U IP port N` or
    /// `IP [port N] [preauth]`.
    mutating func closed(_ rest: Substring) {
        if let user = rest.after("authenticating user ") {
            outcome("login_failed", Outcome.failure)
            set("reason", "connection closed while authenticating")
            userAndEndpoint(user, marker: " ", last: true)
        } else if let user = rest.after("invalid user ") {
            outcome("login_failed", Outcome.failure)
            set("invalid_user", .bool(true))
            set("reason", "connection closed by invalid user")
            userAndEndpoint(user, marker: " ", last: true)
        } else if let user = rest.after("user ") {
            outcome("logout", Outcome.success)
            userAndEndpoint(user, marker: " ", last: true)
        } else if let found = AuthEndpoint.find(in: rest, marker: " ", last: true) {
            // A peer that leaves before authenticating (port scanners, kex failures).
            outcome("login_failed", Outcome.failure)
            set("reason", "connection closed before authentication")
            endpoint(found)
        } else {
            event.action = "connection"
            endpoint(AuthEndpoint.bare(after: "", in: rest))
        }
    }

    /// `IP[ port N]: CODE: text [preauth]`. Before authentication it is a failed attempt (codes 3 and 14
    /// say so explicitly); after it, a logout.
    mutating func receivedDisconnect(_ rest: Substring) {
        // `IP port N:CODE: text` or `IP: CODE: text` (an IPv6 address holds `:` but never `: `).
        var detail: Substring
        if let found = AuthEndpoint.find(in: rest, marker: " ", last: false), found.range.lowerBound == rest.startIndex {
            endpoint(found)
            detail = rest[found.range.upperBound...]
        } else {
            let peer = rest.upTo(": ") ?? rest
            if IPAddress.parse(peer) != nil { event.ip = String(peer) }
            detail = rest[peer.endIndex...]
        }
        detail = detail.drop { $0 == ":" || $0 == " " }
        let code = detail.prefix { $0.isASCII && $0.isNumber }
        set("disconnect_code", code)
        let text = detail.dropFirst(code.count).drop { $0 == ":" || $0 == " " }
        set("reason", (text.upTo(" [preauth]") ?? text).trimmingSpaces)
        if rest.hasSuffix("[preauth]") || code == "3" || code == "14" {
            outcome("login_failed", Outcome.failure)
        } else {
            outcome("logout", Outcome.success)
        }
    }

    mutating func preauthFailure(_ rest: Substring, reason: Substring) {
        outcome("login_failed", Outcome.failure)
        set("reason", reason)
        let peer = rest.upTo(":") ?? rest
        if let found = AuthEndpoint.find(in: peer, marker: " ", last: false) {
            endpoint(found)
        } else {
            endpoint(AuthEndpoint.bare(after: "", in: peer.upTo(" ") ?? peer))
        }
    }

    mutating func preauthUser(_ rest: Substring) {
        let head = rest.upTo(":") ?? rest
        userAndEndpoint(head.afterFirst("user ") ?? head, marker: " ", last: true)
    }

    // MARK: PAM

    /// `pam_unix(sshd:auth): ...` and other `pam_*(service:type): ...` lines; `false` when it is not one.
    mutating func pam() -> Bool {
        guard text.hasPrefix("pam_") else { return false }
        pamModuleLine(text)
        return true
    }

    mutating func pamModuleLine(_ body: Substring) {
        guard let open = body.firstIndex(of: "("), let close = body.firstIndex(of: ")"), open < close else {
            set("pam", body)
            return
        }
        set("pam_module", body[..<open])
        let inside = body[body.index(after: open)..<close]
        set("pam_service", inside.upTo(":") ?? inside)
        if event.attrs["program"] == .string("pam") || event.attrs["program"] == nil {
            set("program", .string("pam"))
        }
        let rest = body[body.index(after: close)...].drop { $0 == ":" || $0 == " " }
        if let tail = rest.after("authentication failure") {
            outcome("login_failed", Outcome.failure)
            set("reason", "authentication failure")
            pamKeyValues(tail.drop { $0 == ";" || $0 == " " })
        } else if let tail = rest.after("session opened for user ") {
            event.action = "session_start"
            session(tail)
        } else if let tail = rest.after("session closed for user ") {
            event.action = "session_end"
            session(tail)
        } else if let tail = rest.after("password changed for ") {
            outcome("password_change", Outcome.success)
            entity("user", tail.upTo(" ") ?? tail)
        } else if rest.hasPrefix("requirement "), let user = rest.afterFirst(" not met by user ") {
            outcome("login_failed", Outcome.failure)
            set("reason", rest.upTo(" not met by user ").map { Substring("\($0) not met") })
            actor(user)
        } else if let tail = rest.after("check pass; user unknown") {
            outcome("login_failed", Outcome.failure)
            set("reason", "user unknown")
            _ = tail
        } else if rest.hasPrefix("auth could not identify password for ") || rest.hasPrefix("conversation failed") {
            outcome("login_failed", Outcome.failure)
            set("reason", rest.upTo(" for ") ?? rest)
            actor(rest.afterFirst(" for "))
        }
    }

    /// `root by vagrant(uid=1000)` or `bob by (uid=0)` or `bob(uid=1000) by (uid=0)`.
    mutating func session(_ tail: Substring) {
        let target = (tail.upTo(" by ") ?? tail).upTo("(") ?? (tail.upTo(" by ") ?? tail)
        let by = tail.afterFirst(" by ")
        let byName = by.flatMap { $0.upTo("(") } ?? by
        if let byName, !byName.isEmpty, byName != target {
            actor(byName)
            set("target_user", target)
        } else {
            actor(target)
        }
        if let uid = by?.afterFirst("(uid=")?.upTo(")") { set("uid", uid) }
        event.outcome = Outcome.success
    }

    /// `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root`
    mutating func pamKeyValues(_ text: Substring) {
        for token in text.split(separator: " ") {
            guard let eq = token.firstIndex(of: "=") else { continue }
            let key = token[..<eq]
            let value = token[token.index(after: eq)...]
            guard !value.isEmpty else { continue }
            switch key {
            case "user": actor(value)
            case "rhost":
                if IPAddress.parse(value) != nil { event.ip = String(value) } else { set("remote_host", value) }
            case "ruser", "logname", "tty", "uid", "euid": set(String(key), value)
            default: break
            }
        }
        if event.actor == nil, let ruser = event.attrs["ruser"]?.stringValue { event.actor = ruser }
    }

    mutating func entity(_ type: String, _ name: Substring) {
        let name = Self.unquote(name)
        guard !name.isEmpty else { return }
        event.entityType = type
        event.entityName = String(name)
    }

    // MARK: sudo, su, login

    /// `  vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/sh -c …`, with an optional
    /// error before `TTY=` (`3 incorrect password attempts ; `, `user NOT in sudoers ; `).
    mutating func sudo() {
        if pam() { return }
        // Leading blanks only: the command runs to the end of the line, trailing blanks included.
        let body = text.drop { $0 == " " }
        guard let colon = body.range(of: " : ") else {
            set("detail", body)
            return
        }
        event.action = "command"
        event.outcome = Outcome.success
        actor(body[..<colon.lowerBound].trimmingSpaces)
        let rest = body[colon.upperBound...]
        // COMMAND is last and may itself hold ` ; `: split only what comes before it.
        let commandRange = rest.range(of: "COMMAND=")
        let head = commandRange.map { rest[..<$0.lowerBound] } ?? rest
        if let commandRange { set("command", rest[commandRange.upperBound...]) }
        for part in head.components(separatedBy: " ; ").map({ Substring($0).trimmingSpaces }) where !part.isEmpty {
            if let eq = part.firstIndex(of: "="), part[..<eq].allSatisfy({ $0.isUppercase }) {
                let value = part[part.index(after: eq)...]
                switch part[..<eq] {
                case "TTY": set("tty", value)
                case "PWD": set("pwd", value)
                case "USER": set("run_as", value)
                case "GROUP": set("run_as_group", value)
                case "ENV": set("env", value)
                default: set(part[..<eq].lowercased(), value)
                }
            } else {
                set("error", part)
                event.outcome = Outcome.failure
                if part.contains("incorrect password attempt") {
                    event.action = "login_failed"
                    set("reason", part)
                }
            }
        }
    }

    /// `Successful su for root by bob`, `FAILED su for root by bob`, `(to root) bob on pts/0`,
    /// `+ pts/0 bob:root`, `- pts/0 bob:root`.
    mutating func su() {
        if pam() { return }
        let body = text
        if let rest = body.after("Successful su for ") ?? body.after("FAILED su for ") {
            let ok = body.hasPrefix("Successful")
            outcome(ok ? "login" : "login_failed", ok ? Outcome.success : Outcome.failure)
            set("run_as", rest.upTo(" by ") ?? rest)
            actor(rest.afterFirst(" by "))
        } else if let rest = body.after("(to ") {
            outcome("login", Outcome.success)
            set("run_as", rest.upTo(")"))
            let who = rest.afterFirst(") ") ?? ""
            actor(who.upTo(" on ") ?? who)
            set("tty", who.afterFirst(" on "))
        } else if body.hasPrefix("+ ") || body.hasPrefix("- ") {
            let ok = body.hasPrefix("+")
            outcome(ok ? "login" : "login_failed", ok ? Outcome.success : Outcome.failure)
            let parts = body.dropFirst(2).split(separator: " ")
            if parts.count >= 2 {
                set("tty", parts[0])
                actor(parts[1].upTo(":") ?? parts[1])
                set("run_as", parts[1].afterFirst(":"))
            }
        }
    }

    /// `FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure`, `ROOT LOGIN  on '/dev/tty1'`,
    /// `LOGIN ON tty1 BY bob`.
    mutating func login() {
        if pam() { return }
        let body = text
        if body.hasPrefix("FAILED LOGIN") {
            outcome("login_failed", Outcome.failure)
            set("tty", body.afterFirst(" on ")?.upTo(" ").map(Self.unquote))
            let who = body.afterFirst(" FOR ") ?? ""
            actor(who.upTo(",") ?? who)
            set("reason", who.afterFirst(", "))
        } else if body.hasPrefix("ROOT LOGIN") {
            outcome("login", Outcome.success)
            event.actor = "root"
            set("tty", body.afterFirst(" on ")?.trimmingSpaces.upTo(" ").map(Self.unquote) ?? body.afterFirst(" on ").map(Self.unquote))
        } else if let rest = body.after("LOGIN ON ") {
            outcome("login", Outcome.success)
            set("tty", rest.upTo(" "))
            actor(rest.afterFirst(" BY ")?.upTo(" ") ?? rest.afterFirst(" BY "))
        }
    }

    // MARK: account tools

    mutating func shadow(program: String) {
        if pam() { return }
        let body = text
        if let rest = body.after("new user: ") {
            outcome("create", Outcome.success)
            let fields = Self.commaFields(rest)
            entity("user", fields["name"] ?? "")
            set("uid", fields["UID"])
            set("gid", fields["GID"])
            set("home", fields["home"])
            set("shell", fields["shell"])
            set("from", fields["from"])
        } else if let rest = body.after("new group: ") ?? body.after("group added to ") {
            outcome("create", Outcome.success)
            let fields = Self.commaFields(rest.afterFirst(": ") ?? rest)
            entity("group", fields["name"] ?? "")
            set("gid", fields["GID"])
        } else if body.hasPrefix("new user added") || body.hasPrefix("new group added") {
            event.action = "system"
        } else if let rest = body.after("add '") ?? body.after("add ") {
            // `add 'bob' to group 'sudo'`, `add 'bob' to shadow group 'sudo'`
            outcome("permission_change", Outcome.success)
            entity("user", rest.upTo(" to ") ?? rest)
            set("group", (rest.afterFirst(" group ")).map(Self.unquote))
            set("change", "add")
            if rest.contains(" shadow group ") { set("shadow", .bool(true)) }
        } else if let rest = body.after("delete '"), rest.contains(" from ") {
            outcome("permission_change", Outcome.success)
            entity("user", rest.upTo(" from ") ?? rest)
            set("group", rest.afterFirst(" group ").map(Self.unquote))
            set("change", "remove")
        } else if let rest = body.after("delete user ") {
            outcome("delete", Outcome.success)
            entity("user", rest.upTo(" ") ?? rest)
        } else if let rest = body.after("removed group ") ?? body.after("group ") , body.contains("removed") {
            outcome("delete", Outcome.success)
            entity("group", rest.upTo(" ") ?? rest)
        } else if let rest = body.after("password for "), rest.contains(" changed") {
            outcome("password_change", Outcome.success)
            entity("user", rest.upTo(" ") ?? rest)
            actor(rest.afterFirst(" changed by "))
        } else if let rest = body.after("password changed for ") {
            outcome("password_change", Outcome.success)
            entity("user", rest.upTo(" ") ?? rest)
        } else if let rest = body.after("change user ") {
            let user = rest.upTo(" ") ?? rest
            entity("user", user)
            if rest.hasSuffix(" password") {
                outcome("password_change", Outcome.success)
            } else {
                outcome("update", Outcome.success)
                set("change", rest.afterFirst(" ")?.upTo(" from ") ?? rest.afterFirst(" "))
                if let from = rest.afterFirst(" from "), let to = from.afterFirst(" to ") {
                    let field = String(rest.afterFirst(" ")?.upTo(" ") ?? "value")
                    let old = Self.unquote(from.upTo(" to ") ?? from)
                    event.changes = [
                        AuditEvent.Change(field: field, old: .string(String(old)), new: .string(String(Self.unquote(to))))
                    ]
                }
            }
        } else if let rest = body.after("lock user ") ?? body.after("unlock user ") {
            outcome("update", Outcome.success)
            entity("user", rest.upTo(" ") ?? rest)
            set("change", body.hasPrefix("lock") ? "lock" : "unlock")
        } else if body.hasPrefix("failed adding user") || body.hasPrefix("failed ") {
            outcome("create", Outcome.failure)
            set("error", body)
        }
        if event.entityType != nil { set("tool", .string(program)) }
    }

    /// `name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0`
    static func commaFields(_ text: Substring) -> [String: Substring] {
        var fields: [String: Substring] = [:]
        for part in text.split(separator: ",") {
            let trimmed = part.trimmingSpaces
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            fields[String(trimmed[..<eq])] = trimmed[trimmed.index(after: eq)...]
        }
        return fields
    }

    // MARK: systemd-logind

    /// `New session 12 of user bob.`, `Removed session 12.`, `Session 12 logged out. Waiting for processes to exit.`
    mutating func logind() {
        let body = text.hasSuffix(".") ? text.dropLast() : text
        if let rest = body.after("New session ") {
            outcome("session_start", Outcome.success)
            event.session = (rest.upTo(" ")).map(String.init)
            actor(rest.afterFirst(" of user ").map { $0.upTo(".") ?? $0 })
        } else if let rest = body.after("Removed session ") {
            outcome("session_end", Outcome.success)
            event.session = String(rest.upTo(" ") ?? rest)
        } else if let rest = body.after("Session "), rest.contains(" logged out") {
            outcome("logout", Outcome.success)
            event.session = (rest.upTo(" ")).map(String.init)
        }
    }
}

// MARK: - Peer addresses

/// An `IP port N` found in an auth line; `range` covers the marker, the address and the port.
struct AuthEndpoint {
    var ip: String
    var port: Int?
    var range: Range<Substring.Index>

    /// The first (or last) `MARKER IP port N` where IP is an address and N a port number.
    static func find(in text: Substring, marker: String, last: Bool) -> AuthEndpoint? {
        var found: AuthEndpoint?
        var searchStart = text.startIndex
        while let portRange = text.range(of: " port ", range: searchStart..<text.endIndex) {
            searchStart = portRange.upperBound
            let digits = text[portRange.upperBound...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 5, let port = Int(digits) else { continue }
            let before = text[..<portRange.lowerBound]
            // A marker of one space also matches the start of the text (the address opens it).
            guard
                let markerRange = before.range(of: marker, options: .backwards)
                    ?? (marker == " " ? before.startIndex..<before.startIndex : nil)
            else { continue }
            let address = before[markerRange.upperBound...]
            guard IPAddress.parse(address) != nil else { continue }
            let candidate = AuthEndpoint(
                ip: String(address), port: port, range: markerRange.lowerBound..<digits.endIndex)
            if !last { return candidate }
            found = candidate
        }
        return found
    }

    /// A bare address after `marker` (up to a space or the end), without a port.
    static func bare(after marker: String, in text: Substring) -> AuthEndpoint? {
        let start: Substring.Index
        if marker.isEmpty {
            start = text.startIndex
        } else {
            guard let range = text.range(of: marker) else { return nil }
            start = range.upperBound
        }
        let token = text[start...].prefix { $0 != " " }
        guard IPAddress.parse(token) != nil else { return nil }
        return AuthEndpoint(ip: String(token), port: nil, range: start..<token.endIndex)
    }
}

extension Substring {
    // fileprivate: other parsers keep their own string helpers, without clashing names.
    /// The text after `prefix` when the text starts with it.
    fileprivate func after(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }

    /// The text after the first occurrence of `marker`.
    fileprivate func afterFirst(_ marker: String) -> Substring? {
        guard let range = range(of: marker) else { return nil }
        return self[range.upperBound...]
    }

    /// The text before the first `marker`, or `nil` when it does not occur.
    fileprivate func upTo(_ marker: String) -> Substring? {
        guard let range = range(of: marker) else { return nil }
        return self[..<range.lowerBound]
    }

    /// Without leading and trailing blanks.
    fileprivate var trimmingSpaces: Substring {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
