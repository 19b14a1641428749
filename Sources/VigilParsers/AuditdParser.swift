import VigilCore

/// The `auditd` parser: Linux audit records, as the audisp syslog plugin sends them or as
/// `/var/log/audit/audit.log` holds them.
///
/// ```
/// [node=NAME ][audit: ]type=USER_LOGIN msg=audit(1700000000.123:456): pid=1 uid=0 auid=4294967295 ses=4294967295
///     msg='op=login acct="bob" exe="/usr/sbin/sshd" hostname=? addr=1.2.3.4 terminal=ssh res=failed'
///                       └ epoch seconds.milliseconds : serial
/// ```
///
/// - `time` from `audit(epoch.ms:serial)`; `attrs.audit_type` (upper case), `attrs.audit_sequence` (int).
/// - Every `key=value`, the ones inside `msg='…'` included, goes to `attrs` under its own name as the raw
///   text (`"…"` quotes removed). Values auditd writes in hex because they hold blanks or control
///   characters (`exe`, `comm`, `cmd`, `cwd`, `proctitle`, `name`, `path`, `data`, `acct`, and `a0…aN` of
///   `EXECVE`) are decoded when they are hex and decode to text; NULs between `proctitle` arguments become
///   blanks. Free words between the pairs (`user`, `config changed,`) are skipped.
/// - `res=`/`success=` → `outcome` (`success`/`yes`/`1` → success, `failed`/`no`/`0` → failure), the raw
///   value in `attrs.result`.
/// - `actor` from `acct` (for account-management records `acct` names the account changed, so it is the
///   entity instead), `actor_id` from `auid` unless it is unset (`4294967295`); `uid` stays in `attrs`.
///   `ip` from `addr` when it is an address (not `?`).
/// - Actions: `USER_LOGIN`/`USER_AUTH` → `login` or `login_failed` by result; `USER_LOGOUT` → `logout`;
///   `USER_START`/`USER_END` → `session_start`/`session_end`; `USER_CMD`, `EXECVE` and an execve `SYSCALL`
///   → `command` (`attrs.command` from `cmd` or `a0…aN`, or `exe`); `ADD_USER`/`DEL_USER`/`ADD_GROUP`/
///   `DEL_GROUP` → `create`/`delete` of a `user`/`group`; `USER_CHAUTHTOK` → `password_change`;
///   `USER_MGMT`/`GRP_MGMT` → `permission_change` (group membership) or `update`; `USER_ROLE_CHANGE` →
///   `permission_change`; `CONFIG_CHANGE`/`DAEMON_CONFIG`/`USYS_CONFIG` → `settings_change`; any other
///   type → the type in lower case (`cwd`, `path`, `service_start`).
/// - `kind` is `auth` for login, credential, session and account records, `system` otherwise. Severity:
///   `medium` for a failed login, `low` for account and configuration changes, `info` otherwise.
///
/// Options: none.
public struct AuditdParser: SourceParser {
    public static let name = "auditd"

    /// Longest record read; execve records of long command lines stay far below it.
    static let maximumLength = 256 * 1024

    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: [])
    }

    /// `true` when the message starts with `type=`, `node=` or `audit: `.
    public func accepts(_ input: ParserInput) -> Bool {
        let utf8 = input.syslog.message.utf8
        return utf8.starts(with: "type=".utf8) || utf8.starts(with: "node=".utf8) || utf8.starts(with: "audit: ".utf8)
    }

    /// - Throws: ``ParseError`` when there is no `type=` or no valid `audit(epoch:serial)` stamp.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let message = input.syslog.message
        guard !message.isEmpty else { throw ParseError(parser: Self.name, reason: "the message is empty") }
        guard message.utf8.count <= Self.maximumLength else {
            throw ParseError(parser: Self.name, reason: "the record is longer than \(Self.maximumLength) bytes")
        }
        guard !message.unicodeScalars.contains("\u{FFFD}") else {
            throw ParseError(parser: Self.name, reason: "the record is not valid UTF-8")
        }
        var reader = AuditRecordReader(bytes: Array(message.utf8))
        let header = try reader.readHeader()
        var event = input.makeEvent(action: "system")
        event.time = header.time
        event.attrs["audit_type"] = .string(header.type)
        event.attrs["audit_sequence"] = .int(header.sequence)
        if let node = header.node { event.attrs["node"] = .string(node) }
        var fields: [String: String] = [:]
        reader.readFields(into: &fields, isExecve: header.type == "EXECVE")
        for (key, value) in fields { event.attrs[key] = .string(value) }
        Self.map(&event, type: header.type, fields: fields)
        return event
    }

    // MARK: - Mapping

    static let authTypes: Set<String> = [
        "USER_LOGIN", "USER_AUTH", "USER_LOGOUT", "USER_ACCT", "USER_START", "USER_END", "USER_ERR", "USER_CMD",
        "CRED_ACQ", "CRED_DISP", "CRED_REFR", "USER_CHAUTHTOK", "ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP",
        "USER_MGMT", "GRP_MGMT", "USER_ROLE_CHANGE", "ROLE_ASSIGN", "ROLE_REMOVE", "LOGIN", "ANOM_LOGIN_FAILURES",
        "GRP_AUTH", "GRP_CHAUTHTOK", "ACCT_LOCK", "ACCT_UNLOCK",
    ]
    static let accountTypes: Set<String> = [
        "ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP", "USER_CHAUTHTOK", "USER_MGMT", "GRP_MGMT", "GRP_CHAUTHTOK",
        "ACCT_LOCK", "ACCT_UNLOCK",
    ]
    /// Syscall numbers of execve/execveat per `arch` (x86_64, i386, aarch64).
    static let execveSyscalls: [String: Set<String>] = [
        "c000003e": ["59", "322"], "40000003": ["11", "358"], "c00000b7": ["221", "281"],
    ]
    static let unsetID = "4294967295"

    static func outcome(of raw: String) -> String? {
        switch raw.lowercased() {
        case "success", "yes", "1": return Outcome.success
        case "failed", "fail", "failure", "no", "0": return Outcome.failure
        default: return nil
        }
    }

    static func map(_ event: inout AuditEvent, type: String, fields: [String: String]) {
        event.kind = authTypes.contains(type) ? "auth" : "system"
        if let raw = fields["res"] ?? fields["success"] {
            event.attrs["result"] = .string(raw)
            event.outcome = outcome(of: raw)
        }
        if let auid = fields["auid"], auid != unsetID, auid != "-1", auid != "?" { event.actorID = auid }
        if let addr = fields["addr"], IPAddress.parse(addr) != nil { event.ip = addr }
        if let session = fields["ses"], session != unsetID, session != "?" { event.session = session }
        let account = fields["acct"].flatMap { $0 == "?" || $0.isEmpty ? nil : $0 }
        if accountTypes.contains(type) {
            event.entityName = account
            event.entityID = fields["id"]
        } else {
            event.actor = account
        }
        let failed = event.outcome == Outcome.failure
        let op = fields["op"] ?? ""
        switch type {
        case "USER_LOGIN", "USER_AUTH": event.action = failed ? "login_failed" : "login"
        case "USER_LOGOUT": event.action = "logout"
        case "USER_START": event.action = "session_start"
        case "USER_END": event.action = "session_end"
        case "USER_CMD":
            event.action = "command"
            event.attrs["command"] = fields["cmd"].map(JSONValue.string)
        case "EXECVE":
            event.action = "command"
            let argc = fields["argc"].flatMap { Int($0) } ?? 0
            let arguments = (0..<min(argc, 10_000)).compactMap { fields["a\($0)"] }
            if !arguments.isEmpty { event.attrs["command"] = .string(arguments.joined(separator: " ")) }
        case "SYSCALL":
            let arch = fields["arch"] ?? ""
            if let syscall = fields["syscall"], syscall == "execve" || execveSyscalls[arch]?.contains(syscall) == true {
                event.action = "command"
                if let exe = fields["exe"] { event.attrs["command"] = .string(exe) }
            } else {
                event.action = "syscall"
            }
        case "ADD_USER", "DEL_USER", "ADD_GROUP", "DEL_GROUP":
            event.action = type.hasPrefix("ADD") ? "create" : "delete"
            event.entityType = type.hasSuffix("USER") ? "user" : "group"
        case "USER_CHAUTHTOK", "GRP_CHAUTHTOK":
            event.action = "password_change"
            event.entityType = type == "USER_CHAUTHTOK" ? "user" : "group"
        case "USER_MGMT", "GRP_MGMT":
            event.action = op.contains("group") || op.contains("member") ? "permission_change" : "update"
            event.entityType = type == "USER_MGMT" ? "user" : "group"
        case "ACCT_LOCK", "ACCT_UNLOCK":
            event.action = "update"
            event.entityType = "user"
        case "USER_ROLE_CHANGE", "ROLE_ASSIGN", "ROLE_REMOVE": event.action = "permission_change"
        case "CONFIG_CHANGE", "DAEMON_CONFIG", "USYS_CONFIG": event.action = "settings_change"
        default: event.action = type.lowercased()
        }
        switch event.action {
        case "login_failed": event.severity = "medium"
        case "create", "delete", "password_change", "permission_change", "update", "settings_change":
            event.severity = "low"
        default: event.severity = failed && event.kind == "auth" ? "medium" : "info"
        }
    }
}

// MARK: - Record reader

/// Reads one audit record's bytes: the header, then `key=value` pairs.
struct AuditRecordReader {
    struct Header {
        var node: String?
        var type: String
        var time: Timestamp
        var sequence: Int64
    }

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ reason: String) -> ParseError {
        ParseError(parser: AuditdParser.name, reason: reason, offset: index)
    }

    mutating func skip(_ literal: String) -> Bool {
        let count = literal.utf8.count
        guard bytes.count - index >= count, bytes[index..<(index + count)].elementsEqual(literal.utf8) else {
            return false
        }
        index += count
        return true
    }

    mutating func skipBlanks() {
        while index < bytes.count && bytes[index] == UInt8(ascii: " ") { index += 1 }
    }

    /// Up to the next blank.
    mutating func token() -> String {
        let start = index
        while index < bytes.count && bytes[index] != UInt8(ascii: " ") { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func number() -> Int64? {
        var value: Int64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39, digits < 18 {
            value = value * 10 + Int64(bytes[index] - 0x30)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// `[node=N ][audit: ]type=T msg=audit(S.mmm:Q):` (the `msg=` and the closing `:` optional).
    mutating func readHeader() throws(ParseError) -> Header {
        var node: String?
        if skip("node=") {
            node = token()
            skipBlanks()
        }
        _ = skip("audit: ")
        guard skip("type=") else { throw error("expected type=") }
        let type = token()
        guard !type.isEmpty else { throw error("the record type is empty") }
        skipBlanks()
        _ = skip("msg=")
        guard skip("audit(") else { throw error("expected audit(epoch:serial)") }
        guard let seconds = number() else { throw error("expected the epoch seconds") }
        var micros: Int64 = 0
        if skip(".") {
            var place: Int64 = 100_000
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
                micros += Int64(bytes[index] - 0x30) * place
                place /= 10
                index += 1
            }
            guard index > start else { throw error("expected the milliseconds") }
        }
        guard skip(":"), let sequence = number(), skip(")") else { throw error("expected :serial)") }
        _ = skip(":")
        return Header(node: node, type: type, time: Timestamp(microseconds: seconds * 1_000_000 + micros), sequence: sequence)
    }

    /// Keys whose unquoted values auditd writes in hex (`audit_log_untrustedstring`).
    static let hexKeys: Set<String> = [
        "acct", "cmd", "comm", "cwd", "data", "dir", "exe", "file", "grp", "key", "name", "new_group", "ocomm",
        "old_group", "path", "proctitle", "root_dir", "vm", "watch", "new-chardev", "old-chardev", "new-disk",
        "old-disk", "new-fs", "old-fs", "new-net", "old-net", "new-rng", "old-rng",
    ]

    /// Every `key=value` to the end, recursing into `msg='…'`.
    mutating func readFields(into fields: inout [String: String], isExecve: Bool) {
        readFields(until: bytes.count, into: &fields, isExecve: isExecve)
    }

    private mutating func readFields(until end: Int, into fields: inout [String: String], isExecve: Bool) {
        while index < end {
            while index < end && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "(")) {
                index += 1
            }
            guard index < end else { return }
            let keyStart = index
            while index < end, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: " ") { index += 1 }
            guard index < end, bytes[index] == UInt8(ascii: "="), index > keyStart else {
                continue  // a free word (`user`, `config changed,`)
            }
            let key = String(decoding: bytes[keyStart..<index], as: UTF8.self)
            index += 1
            guard index < end else {
                fields[key] = ""
                return
            }
            let opener = bytes[index]
            if opener == UInt8(ascii: "'") {
                // msg='...': the nested pairs, up to the closing quote (or the end when it is missing).
                index += 1
                var close = index
                while close < end && bytes[close] != UInt8(ascii: "'") { close += 1 }
                readFields(until: close, into: &fields, isExecve: isExecve)
                index = min(close + 1, end)
            } else if opener == UInt8(ascii: "\"") {
                index += 1
                let start = index
                while index < end && bytes[index] != UInt8(ascii: "\"") { index += 1 }
                fields[key] = String(decoding: bytes[start..<index], as: UTF8.self)
                index = min(index + 1, end)
            } else {
                let start = index
                while index < end && bytes[index] != UInt8(ascii: " ") { index += 1 }
                var stop = index
                // `(hostname=?, addr=?, terminal=cron res=success)`: punctuation of the old format.
                let hasOpenParen = bytes[start..<stop].contains(UInt8(ascii: "("))
                while stop > start,
                    bytes[stop - 1] == UInt8(ascii: ",") || (bytes[stop - 1] == UInt8(ascii: ")") && !hasOpenParen)
                {
                    stop -= 1
                }
                let raw = bytes[start..<stop]
                let decodes = Self.hexKeys.contains(key) || (isExecve && Self.isArgumentKey(key))
                if decodes, let text = Self.decodeHex(raw, allowControl: key == "data" || isExecve) {
                    fields[key] = text
                } else {
                    fields[key] = String(decoding: raw, as: UTF8.self)
                }
            }
        }
    }

    /// `a0`, `a1`, … (not `argc`, not `a0_len`).
    static func isArgumentKey(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "a") else { return false }
        return utf8.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Hex text (even length, at least one byte) decoded to UTF-8 text; NULs become blanks. `nil` when it
    /// is not hex, not UTF-8, or (unless `allowControl`) holds control characters.
    static func decodeHex(_ raw: ArraySlice<UInt8>, allowControl: Bool) -> String? {
        guard raw.count >= 2, raw.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count / 2)
        var i = raw.startIndex
        while i < raw.endIndex {
            guard let high = hexValue(raw[i]), let low = hexValue(raw[i + 1]) else { return nil }
            var byte = high << 4 | low
            if byte == 0 { byte = UInt8(ascii: " ") }
            if !allowControl && (byte < 0x20 || byte == 0x7F) { return nil }
            out.append(byte)
            i += 2
        }
        while out.last == UInt8(ascii: " ") { out.removeLast() }
        guard let text = String(validating: out, as: UTF8.self) else { return nil }
        return text
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
