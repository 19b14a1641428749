import VigilCore

/// The `cef` parser: ArcSight Common Event Format, alone or after a syslog header.
///
/// ```
/// CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
/// CEF:0|Acme|Portal|2.1|100|User deleted|7|suser=alice src=10.0.0.5 act=delete cs1Label=customer cs1=CUST-12
/// ```
///
/// Escaping (CEF Implementation Standard, "Character encoding"): in the header `\|` and `\\`; in extension
/// values `\=`, `\\`, `\n` and `\r`. A value may hold blanks: it runs until the blank before the next
/// `key=` (a key is letters, digits, `_`, `.`, `[`, `]`, `-`).
///
/// | CEF | event |
/// | --- | --- |
/// | `suser` (else `duser`), `suid` | `actor`, `actor_id` |
/// | `src` (an address) | `ip` |
/// | `act` | `action`, lower case, with obvious verbs made canonical (`deleted` → `delete`, `logon` → `login`); without `act`, `event` |
/// | `outcome` | `outcome` (success/failure words) |
/// | `request`, `requestMethod`, `requestClientApplication` | `url`, `method`, `user_agent` |
/// | `rt`, else `end`, else `start` | `time` (epoch milliseconds, `MMM dd yyyy HH:mm:ss[.SSS][ zone]` or RFC 3339) |
/// | `msg`, else the header Name | `message` |
/// | `cs1`…`cs6`, `cn1`…`cn3`, `flexString1`… with their `…Label` | `attrs[label]` (`attrs.csN` without a label) |
/// | Severity 0–10 or `Low`/`Medium`/`High`/`Very-High` | `severity` 0–1 info, 2–3 low, 4–6 medium, 7–8 high, 9–10 critical |
/// | header | `attrs.cef_version`, `attrs.device_vendor`, `attrs.device_product`, `attrs.device_version`, `attrs.signature_id`, `attrs.name` |
///
/// Other extension keys go to `attrs` under their CEF names, unescaped.
///
/// Options: none.
public struct CEFParser: SourceParser {
    public static let name = "cef"

    static let maximumLength = 1 << 20
    /// How far into the message `CEF:` may start (a host name or a tag before it).
    static let searchWindow = 128

    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: [])
    }

    /// `true` when `CEF:` appears near the start of the message.
    public func accepts(_ input: ParserInput) -> Bool {
        Self.start(of: input.syslog.message.utf8) != nil
    }

    static func start(of utf8: String.UTF8View) -> Int? {
        var offset = 0
        var iterator = utf8.makeIterator()
        var window: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        while offset < searchWindow + 4, let byte = iterator.next() {
            window = (window.1, window.2, window.3, byte)
            offset += 1
            if window == (UInt8(ascii: "C"), UInt8(ascii: "E"), UInt8(ascii: "F"), UInt8(ascii: ":")) {
                return offset - 4
            }
        }
        return nil
    }

    /// - Throws: ``ParseError`` when there is no `CEF:` header, fewer than seven header fields, or the
    ///   message is empty, oversized or not valid UTF-8.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let message = input.syslog.message
        guard message.utf8.count <= Self.maximumLength else {
            throw ParseError(parser: Self.name, reason: "the message is longer than \(Self.maximumLength) bytes")
        }
        guard !message.unicodeScalars.contains("\u{FFFD}") else {
            throw ParseError(parser: Self.name, reason: "the message is not valid UTF-8")
        }
        guard let start = Self.start(of: message.utf8) else {
            throw ParseError(parser: Self.name, reason: "no CEF: header", offset: 0)
        }
        let bytes = Array(message.utf8)
        var index = start + 4
        var header: [String] = []
        while header.count < 7 {
            var field: [UInt8] = []
            var closed = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count,
                    bytes[index + 1] == UInt8(ascii: "|") || bytes[index + 1] == UInt8(ascii: "\\")
                {
                    field.append(bytes[index + 1])
                    index += 2
                    continue
                }
                index += 1
                if byte == UInt8(ascii: "|") {
                    closed = true
                    break
                }
                field.append(byte)
            }
            guard closed else {
                throw ParseError(
                    parser: Self.name, reason: "the header has \(header.count + 1) of its 8 fields", offset: index)
            }
            header.append(String(decoding: field, as: UTF8.self))
        }
        let extensions = Self.extensions(bytes[index...])
        var event = input.makeEvent(action: "event")
        Self.map(header: header, extensions: extensions, into: &event, input: input)
        return event
    }

    // MARK: - Extension

    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// `key=value` pairs in order; a value runs to the blank before the next unescaped `key=`.
    static func extensions(_ bytes: ArraySlice<UInt8>) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var i = bytes.startIndex
        let end = bytes.endIndex
        /// The end of a key starting at `position` when `key=` (unescaped) starts there.
        func keyEnd(at position: Int) -> Int? {
            var j = position
            while j < end && isKeyByte(bytes[j]) { j += 1 }
            return j > position && j < end && bytes[j] == UInt8(ascii: "=") ? j : nil
        }
        while i < end {
            while i < end && bytes[i] == 0x20 { i += 1 }
            guard i < end else { break }
            guard let keyStop = keyEnd(at: i) else {
                // Not a pair: skip the word (stray text in a malformed extension).
                while i < end && bytes[i] != 0x20 { i += 1 }
                continue
            }
            let key = String(decoding: bytes[i..<keyStop], as: UTF8.self)
            var j = keyStop + 1
            var value: [UInt8] = []
            while j < end {
                let byte = bytes[j]
                if byte == UInt8(ascii: "\\"), j + 1 < end {
                    switch bytes[j + 1] {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "="), UInt8(ascii: "\\"), UInt8(ascii: "|"): value.append(bytes[j + 1])
                    default:
                        value.append(byte)
                        value.append(bytes[j + 1])
                    }
                    j += 2
                    continue
                }
                if byte == 0x20, keyEnd(at: j + 1) != nil { break }
                value.append(byte)
                j += 1
            }
            while value.last == 0x20 { value.removeLast() }
            pairs.append((key, String(decoding: value, as: UTF8.self)))
            i = j
        }
        return pairs
    }

    // MARK: - Mapping

    static let canonicalActions: [String: String] = [
        "login": "login", "logon": "login", "log in": "login", "signin": "login", "sign-in": "login",
        "logout": "logout", "logoff": "logout", "log out": "logout", "signout": "logout",
        "delete": "delete", "deleted": "delete", "remove": "delete", "removed": "delete",
        "create": "create", "created": "create", "add": "create", "added": "create",
        "update": "update", "updated": "update", "modify": "update", "modified": "update", "change": "update",
        "changed": "update", "edit": "update", "view": "view", "viewed": "view", "read": "view", "access": "view",
        "accessed": "view", "export": "export", "exported": "export", "download": "export",
        "downloaded": "export", "import": "import", "imported": "import", "upload": "import",
    ]

    static func severity(_ text: String) -> String? {
        if let number = Int(trim(text)) {
            switch number {
            case 0...1: return "info"
            case 2...3: return "low"
            case 4...6: return "medium"
            case 7...8: return "high"
            case 9...10: return "critical"
            default: return nil
            }
        }
        switch text.lowercased() {
        case "low": return "low"
        case "medium": return "medium"
        case "high": return "high"
        case "very-high", "very high", "critical": return "critical"
        default: return nil
        }
    }

    static func map(header: [String], extensions: [(String, String)], into event: inout AuditEvent, input: ParserInput) {
        var values: [String: String] = [:]
        for (key, value) in extensions { values[key] = value }
        var used: Set<String> = []
        func take(_ key: String) -> String? {
            guard let value = values[key], !value.isEmpty else { return nil }
            used.insert(key)
            return value
        }

        let version = header[0].hasPrefix("CEF:") ? String(header[0].dropFirst(4)) : header[0]
        event.attrs["cef_version"] = .string(version)
        event.attrs["device_vendor"] = .string(header[1])
        event.attrs["device_product"] = .string(header[2])
        event.attrs["device_version"] = .string(header[3])
        event.attrs["signature_id"] = .string(header[4])
        event.attrs["name"] = .string(header[5])
        event.severity = severity(header[6])
        if event.severity == nil { event.attrs["cef_severity"] = .string(header[6]) }

        event.actor = take("suser") ?? take("duser")
        event.actorID = take("suid")
        if let src = values["src"], IPAddress.parse(src) != nil {
            used.insert("src")
            event.ip = src
        }
        if let act = take("act") {
            let word = act.lowercased()
            event.action = canonicalActions[word] ?? word
        }
        if let outcome = take("outcome") {
            event.outcome = JSONEventMapper.outcome(.string(outcome))
            if event.outcome == nil { event.attrs["outcome"] = .string(outcome) }
        }
        event.url = take("request")
        event.method = take("requestMethod")
        event.userAgent = take("requestClientApplication")
        for key in ["rt", "end", "start"] {
            if let text = values[key], let time = time(text, input: input) {
                used.insert(key)
                event.time = time
                break
            }
        }
        event.message = take("msg") ?? (header[5].isEmpty ? nil : header[5])

        for (key, value) in extensions where !used.contains(key) {
            if key.hasSuffix("Label") { continue }
            if let label = values[key + "Label"], !label.isEmpty, isLabelled(key) {
                event.attrs[label] = .string(value)
            } else {
                event.attrs[key] = .string(value)
            }
        }
    }

    /// `cs1`…`cs6`, `cn1`…`cn3`, `cfp1`…, `flexString1`…, `deviceCustomDate1`…: keys that carry a label.
    static func isLabelled(_ key: String) -> Bool {
        for prefix in ["cs", "cn", "cfp", "c6a", "flexString", "flexNumber", "flexDate", "deviceCustomDate"]
        where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if !rest.isEmpty && rest.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        }
        return false
    }

    static func trim(_ text: String) -> String {
        String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    /// Epoch milliseconds, `MMM dd yyyy HH:mm:ss[.SSS][ zone]` (zone `UTC`/`GMT`/`Z` or none, which reads
    /// in the route's zone) or RFC 3339.
    static func time(_ text: String, input: ParserInput) -> Timestamp? {
        let trimmed = trim(text)
        if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }), let ms = Int64(trimmed) {
            return ms > 100_000_000_000 ? Timestamp(microseconds: ms * 1000) : Timestamp(microseconds: ms * 1_000_000)
        }
        if let instant = Timestamp.parse(trimmed, defaultOffset: nil) { return instant }
        var scanner = HeaderScanner(Array(trimmed.utf8))
        guard let stamp = BSDTimestamp.read(&scanner) else { return nil }
        let zone = trim(scanner.text(scanner.index..<scanner.bytes.count))
        switch stamp {
        case .wallClock(let wall) where zone == "UTC" || zone == "GMT" || zone == "Z":
            return wall
        case .wallClock, .instant, .yearless:
            guard zone.isEmpty else { return nil }
            return stamp.resolve(with: LocalTimeResolver(timeZone: input.timeZone), reference: input.line.received)
                .timestamp
        }
    }
}
