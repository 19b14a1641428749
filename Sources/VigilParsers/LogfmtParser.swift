import VigilCore

/// The `logfmt` parser: `key=value key2="quoted \"value\"" flag` lines (Heroku, Go's logfmt, Grafana).
///
/// ```
/// ts=2024-06-01T10:00:00Z level=info user=bob action=update entity_type=customer entity_id=12 msg="credit limit"
/// ```
///
/// The pairs become a JSON object mapped onto the event exactly as the `json` parser maps one, with the
/// same aliases (`user` → `actor`, `msg` → `message`, `level` → `severity`, …); pairs no alias takes go
/// to `attrs`. Values stay strings (`status=200` is the string `"200"` in `attrs`) unless the field they
/// fill is numeric (`status`, `bytes`, `duration_ms`). A key without `=` is a flag: `true`. In quoted
/// values `\"`, `\\`, `\n`, `\t` and `\r` are unescaped. A repeated key keeps its last value.
///
/// Options: `aliases`, as for the `json` parser.
public struct LogfmtParser: SourceParser {
    public static let name = "logfmt"

    static let maximumLength = 1 << 20

    let aliases: JSONAliasTable

    /// - Throws: ``ConfigurationError`` for an unknown option or a bad `aliases` entry.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: ["aliases"])
        aliases = try JSONSourceParser(configuration: configuration).aliases
    }

    /// `true` when the message starts (after blanks) with a key character and holds a `=`.
    public func accepts(_ input: ParserInput) -> Bool {
        var sawKey = false
        for byte in input.syslog.message.utf8 {
            if !sawKey {
                if byte == 0x20 || byte == 0x09 { continue }
                guard Self.isKeyByte(byte) else { return false }
                sawKey = true
            } else if byte == UInt8(ascii: "=") {
                return true
            }
        }
        return false
    }

    /// - Throws: ``ParseError`` for an empty or invalid UTF-8 message, no `key=value` pair, an unterminated quote or a
    ///   character that cannot start a key.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let message = input.syslog.message
        guard message.utf8.count <= Self.maximumLength else {
            throw ParseError(parser: Self.name, reason: "the message is longer than \(Self.maximumLength) bytes")
        }
        guard !message.unicodeScalars.contains("\u{FFFD}") else {
            throw ParseError(parser: Self.name, reason: "the message is not valid UTF-8")
        }
        let members = try Self.pairs(Array(message.utf8))
        var event = input.makeEvent()
        var mapper = JSONEventMapper(members: members, aliases: aliases, timeZone: input.timeZone)
        mapper.fill(&event)
        return event
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "\"") && byte != 0x7F
    }

    /// The pairs of one line, values as strings (flags as `true`).
    static func pairs(_ bytes: [UInt8]) throws(ParseError) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        var sawPair = false
        var i = 0
        let n = bytes.count
        while i < n {
            while i < n && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            guard i < n else { break }
            let keyStart = i
            while i < n && isKeyByte(bytes[i]) { i += 1 }
            guard i > keyStart else {
                throw ParseError(parser: name, reason: "expected a key", offset: i)
            }
            let key = String(decoding: bytes[keyStart..<i], as: UTF8.self)
            guard i < n, bytes[i] == UInt8(ascii: "=") else {
                guard i >= n || bytes[i] == 0x20 || bytes[i] == 0x09 else {
                    throw ParseError(parser: name, reason: "unexpected character after key \(key)", offset: i)
                }
                members[key] = .bool(true)
                continue
            }
            i += 1
            sawPair = true
            if i < n && bytes[i] == UInt8(ascii: "\"") {
                i += 1
                var value: [UInt8] = []
                var closed = false
                while i < n {
                    let byte = bytes[i]
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        i += 1
                        break
                    }
                    if byte == UInt8(ascii: "\\"), i + 1 < n {
                        switch bytes[i + 1] {
                        case UInt8(ascii: "n"): value.append(0x0A)
                        case UInt8(ascii: "t"): value.append(0x09)
                        case UInt8(ascii: "r"): value.append(0x0D)
                        case let other: value.append(other)
                        }
                        i += 2
                        continue
                    }
                    value.append(byte)
                    i += 1
                }
                guard closed else {
                    throw ParseError(parser: name, reason: "unterminated quoted value for \(key)", offset: i)
                }
                guard i >= n || bytes[i] == 0x20 || bytes[i] == 0x09 else {
                    throw ParseError(parser: name, reason: "expected a blank after the quoted value of \(key)", offset: i)
                }
                members[key] = .string(String(decoding: value, as: UTF8.self))
            } else {
                let valueStart = i
                while i < n && bytes[i] != 0x20 && bytes[i] != 0x09 {
                    guard bytes[i] != UInt8(ascii: "\"") else {
                        throw ParseError(parser: name, reason: "a quote inside the bare value of \(key)", offset: i)
                    }
                    i += 1
                }
                members[key] = .string(String(decoding: bytes[valueStart..<i], as: UTF8.self))
            }
        }
        guard sawPair else { throw ParseError(parser: name, reason: "no key=value pair", offset: 0) }
        return members
    }
}
