import Foundation
import VigilCore

/// The `pattern` parser: declarative parsers written in configuration, so a user adds a source without
/// rebuilding Vigil.
///
/// ```yaml
/// parsers:
///   pattern:
///     rules:
///       - name: orders                       # optional; kept in attrs.rule
///         match: {app: shop, host: "web*", contains: " did "}   # optional prefilter; a string = contains
///         regex: '^(?<ts>\S+) (?<actor>\S+) did (?<action>\w+) to (?<entity_type>\w+) #(?<entity_id>\d+)$'
///         time: {field: ts, format: '%Y-%m-%dT%H:%M:%S%z'}     # or rfc3339, epoch, epoch_ms, clf, bsd
///         fields: {kind: app, category: orders}                 # constants
///         map: {action: {POST: create, DELETE: delete}}         # value maps, applied after capture
/// ```
///
/// Rules are tried in order; the first whose `match` holds and whose `regex` matches the message wins. No
/// rule matching is a ``ParseError``, so the route decides.
///
/// - A named capture fills the event field of that name (`actor`, `action`, `entity_id`, `status`, `ip`,
///   `kind`, … — the event model's JSON names), or `attrs.NAME` when named `attrs.NAME` (or `attrs_NAME`:
///   regex group names cannot hold dots, so `attrs.x` is rewritten before compiling). The capture named
///   by `time.field` (default `time`) is read with `time.format`. Any other name fails at load.
/// - `status` and `bytes` must be integers and `duration_ms` a number; a capture of `-` or nothing leaves
///   the field empty; another non-number goes to `attrs` under the field's name.
/// - `outcome` and `severity` words are normalised like the json parser's (`ok` → success, `warn` → medium)
///   after `map`; other words are kept as they are.
/// - `time.format`: `rfc3339` (default), `epoch` (seconds, may have a fraction), `epoch_ms`, `clf`
///   (`10/Oct/2000:13:55:36 -0700`), `bsd` (`Oct 11 22:14:15`, year from the receive time), or a strftime
///   subset: `%Y %m %d %e %H %M %S %f %z %b %y %T %F %s %%`. A time without zone reads in the route's zone.
/// - Regexes are compiled once at load by PCRE2 (Perl syntax, JIT-compiled: ``CompiledRegex``); when one
///   starts with `^` and a literal, that literal is checked first (cheap rejection of other lines).
///
/// Every mistake fails `init` with the path of the key: `rules[2].regex`, `rules[0].map.actoor`,
/// `rules[1].time.format`, `rules[3].colour` (unknown key).
public struct PatternParser: SourceParser {
    public static let name = "pattern"

    let rules: [PatternRule]
    /// Longest message the regexes run on.
    static let maximumLength = 1 << 20

    /// - Throws: ``ConfigurationError`` naming the rule index and key at fault.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: ["rules"])
        guard let value = configuration.options["rules"], let list = value.arrayValue else {
            throw ConfigurationError(path: "rules", reason: "expected a list of rules")
        }
        guard !list.isEmpty else { throw ConfigurationError(path: "rules", reason: "expected at least one rule") }
        var rules: [PatternRule] = []
        for (index, element) in list.enumerated() {
            do {
                rules.append(try PatternRule(element, index: index))
            } catch {
                throw error.prefixed(by: "rules[\(index)]")
            }
        }
        self.rules = rules
    }

    /// `true` when some rule's `match` holds for the envelope (the regex runs in ``parse(_:)``).
    public func accepts(_ input: ParserInput) -> Bool {
        rules.contains { $0.condition.holds(for: input.syslog) }
    }

    /// - Throws: ``ParseError`` when the message is oversized or not valid UTF-8, no rule matches, or the matching rule's time capture cannot be read.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        let message = input.syslog.message
        guard message.utf8.count <= Self.maximumLength else {
            throw ParseError(parser: Self.name, reason: "the message is longer than \(Self.maximumLength) bytes")
        }
        guard !Self.containsReplacementCharacter(message) else {
            throw ParseError(parser: Self.name, reason: "the message is not valid UTF-8")
        }
        for rule in rules where rule.condition.holds(for: input.syslog) {
            if let event = try rule.apply(to: message, input: input) { return event }
        }
        throw ParseError(parser: Self.name, reason: "no rule matches the message")
    }
}

extension PatternParser {
    /// Whether `text` holds U+FFFD, which is how bytes that were not UTF-8 arrive (EF BF BD).
    static func containsReplacementCharacter(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard utf8.count >= 3, let base = utf8.baseAddress else { return false }
            var offset = 0
            while offset <= utf8.count - 3,
                let found = memchr(base + offset, 0xEF, utf8.count - 2 - offset)
            {
                let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if base[at + 1] == 0xBF && base[at + 2] == 0xBD { return true }
                offset = at + 1
            }
            return false
        }
    }
}

// MARK: - Rule

/// One compiled rule.
struct PatternRule: Sendable {
    let name: String?
    let condition: PatternCondition
    let regex: CompiledRegex
    /// A literal every match starts with (from a `^literal` regex), checked before the regex.
    let requiredPrefix: [UInt8]
    /// Capture group number → target, in group order.
    let targets: [(group: Int, target: PatternTarget)]
    let timeCapture: String
    let timeFormat: PatternTimeFormat
    let constants: [(PatternTarget, JSONValue)]
    let valueMaps: [(PatternTarget, [String: String])]

    static let knownKeys: Set<String> = ["name", "match", "regex", "time", "fields", "map"]

    init(_ value: JSONValue, index: Int) throws(ConfigurationError) {
        guard let object = value.objectValue else { throw ConfigurationError(path: "", reason: "expected a rule object") }
        for key in object.keys.sorted() where !Self.knownKeys.contains(key) {
            throw ConfigurationError(
                path: key, reason: "unknown key; expected one of \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        if let name = object["name"], name != .null {
            guard let text = name.stringValue, !text.isEmpty else {
                throw ConfigurationError(path: "name", reason: "expected a non-empty string")
            }
            self.name = text
        } else {
            self.name = nil
        }
        condition = try PatternCondition(object["match"])

        guard let source = object["regex"]?.stringValue, !source.isEmpty else {
            throw ConfigurationError(path: "regex", reason: "expected a regular expression with named captures")
        }
        let (rewritten, names) = Self.rewriteCaptureNames(source)
        do {
            regex = try CompiledRegex(rewritten)
        } catch {
            throw ConfigurationError(path: "regex", reason: "invalid regular expression: \(error)")
        }
        requiredPrefix = Self.literalPrefix(of: source)

        // time
        var timeCapture = "time"
        var timeFormat = PatternTimeFormat.rfc3339
        if let time = object["time"], time != .null {
            let members: [String: JSONValue]
            if let format = time.stringValue {
                members = ["format": .string(format)]
            } else if let object = time.objectValue {
                members = object
            } else {
                throw ConfigurationError(path: "time", reason: "expected {field, format} or a format")
            }
            for key in members.keys.sorted() where key != "field" && key != "format" {
                throw ConfigurationError(path: "time.\(key)", reason: "unknown key; expected field, format")
            }
            if let field = members["field"] {
                guard let text = field.stringValue, !text.isEmpty else {
                    throw ConfigurationError(path: "time.field", reason: "expected a capture name")
                }
                timeCapture = text
            }
            if let format = members["format"] {
                guard let text = format.stringValue else {
                    throw ConfigurationError(path: "time.format", reason: "expected a format name or strftime pattern")
                }
                do {
                    timeFormat = try PatternTimeFormat(text)
                } catch {
                    throw error.prefixed(by: "time")
                }
            }
            guard names.values.contains(timeCapture) else {
                throw ConfigurationError(path: "time.field", reason: "the regex has no capture named \(timeCapture)")
            }
        }
        self.timeCapture = timeCapture
        self.timeFormat = timeFormat

        var targets: [(group: Int, target: PatternTarget)] = []
        for (compiled, group) in regex.names {
            let original = names[compiled] ?? compiled
            if original == timeCapture {
                targets.append((group, .time))
                continue
            }
            guard let target = PatternTarget(name: original) else {
                throw ConfigurationError(
                    path: "regex",
                    reason: "the capture \(original) is neither an event field nor attrs.NAME; event fields: "
                        + PatternTarget.fieldNames.joined(separator: ", "))
            }
            targets.append((group, target))
        }
        self.targets = targets

        var constants: [(PatternTarget, JSONValue)] = []
        if let fields = object["fields"], fields != .null {
            guard let members = fields.objectValue else {
                throw ConfigurationError(path: "fields", reason: "expected an object of field: value")
            }
            for key in members.keys.sorted() {
                guard let target = PatternTarget(name: key), target != .time else {
                    throw ConfigurationError(path: "fields.\(key)", reason: "not an event field or attrs.NAME")
                }
                let value = members[key] ?? .null
                guard value.scalarText != nil else {
                    throw ConfigurationError(path: "fields.\(key)", reason: "expected a string, number or boolean")
                }
                constants.append((target, value))
            }
        }
        self.constants = constants

        var valueMaps: [(PatternTarget, [String: String])] = []
        if let maps = object["map"], maps != .null {
            guard let members = maps.objectValue else {
                throw ConfigurationError(path: "map", reason: "expected an object of field: {from: to}")
            }
            for key in members.keys.sorted() {
                guard let target = PatternTarget(name: key), target != .time else {
                    throw ConfigurationError(path: "map.\(key)", reason: "not an event field or attrs.NAME")
                }
                guard let pairs = members[key]?.objectValue else {
                    throw ConfigurationError(path: "map.\(key)", reason: "expected an object of from: to")
                }
                var table: [String: String] = [:]
                for (from, to) in pairs {
                    guard let text = to.scalarText else {
                        throw ConfigurationError(path: "map.\(key).\(from)", reason: "expected a string")
                    }
                    table[from] = text
                }
                valueMaps.append((target, table))
            }
        }
        self.valueMaps = valueMaps
    }

    /// The event when the regex matches `message`, `nil` when it does not.
    func apply(to message: String, input: ParserInput) throws(ParseError) -> AuditEvent? {
        if !requiredPrefix.isEmpty && !message.utf8.starts(with: requiredPrefix) { return nil }
        var captures: [(PatternTarget, String)] = []
        let matched: Void?
        do {
            matched = try regex.firstMatch(in: message) { match in
                captures.reserveCapacity(targets.count)
                for (group, target) in targets {
                    if let text = match.string(group) { captures.append((target, text)) }
                }
            }
        } catch {
            throw ParseError(parser: PatternParser.name, reason: "the regex failed: \(error)")
        }
        guard matched != nil else { return nil }
        var event = input.makeEvent(action: "event")
        if let name { event.attrs["rule"] = .string(name) }
        for (target, value) in constants { target.set(value.scalarText ?? "", in: &event) }
        var timeText: Substring?
        for (target, text) in captures {
            if target == .time {
                timeText = Substring(text)
            } else {
                target.set(text, in: &event)
            }
        }
        for (target, table) in valueMaps {
            if let current = target.get(from: event), let mapped = table[current] { target.set(mapped, in: &event) }
        }
        if let outcome = event.outcome, let normal = JSONEventMapper.outcome(.string(outcome)) { event.outcome = normal }
        if let severity = event.severity, let normal = JSONEventMapper.severity(.string(severity)) {
            event.severity = normal
        }
        if let timeText, !timeText.isEmpty {
            guard let time = timeFormat.parse(timeText, zone: input.timeZone, reference: input.line.received) else {
                throw ParseError(
                    parser: PatternParser.name,
                    reason: "rule \(name ?? "?"): cannot read the time \(String(timeText).debugDescription) as \(timeFormat.description)")
            }
            event.time = time
        }
        return event
    }

    /// Rewrites `(?<attrs.x>` to a name Swift accepts; returns the compiled → original names.
    static func rewriteCaptureNames(_ source: String) -> (String, [String: String]) {
        var names: [String: String] = [:]
        var out = ""
        var rest = Substring(source)
        var counter = 0
        while let range = rest.range(of: "(?<") {
            let before = rest[..<range.lowerBound]
            out += before
            let afterOpen = rest[range.upperBound...]
            // `(?<=` and `(?<!` are lookbehinds; `\(?<` is an escaped parenthesis.
            let escaped = before.reversed().prefix { $0 == "\\" }.count % 2 == 1
            let name = afterOpen.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            guard !escaped, !name.isEmpty, afterOpen.dropFirst(name.count).first == ">" else {
                out += "(?<"
                rest = afterOpen
                continue
            }
            var compiled = String(name)
            if name.contains(".") {
                counter += 1
                compiled = name.replacingDots() + "_\(counter)"
            }
            names[compiled] = String(name)
            out += "(?<" + compiled
            rest = afterOpen.dropFirst(name.count)
        }
        out += rest
        return (out, names)
    }

    /// The literal after a leading `^` (up to the first metacharacter; the last character is dropped when
    /// a quantifier follows it).
    static func literalPrefix(of source: String) -> [UInt8] {
        guard source.hasPrefix("^") else { return [] }
        let meta: Set<Character> = ["\\", ".", "[", "]", "(", ")", "{", "}", "*", "+", "?", "|", "^", "$"]
        var literal: [Character] = []
        var rest = source.dropFirst()
        while let c = rest.first, !meta.contains(c) {
            literal.append(c)
            rest = rest.dropFirst()
        }
        if let next = rest.first, next == "*" || next == "?" || next == "{" || next == "+" {
            if !literal.isEmpty { literal.removeLast() }
        }
        // `|` at top level would make the prefix optional.
        if source.contains("|") { return [] }
        return Array(String(literal).utf8)
    }
}

extension Substring {
    fileprivate func replacingDots() -> String {
        String(map { $0 == "." ? "_" : $0 })
    }
}

// MARK: - Condition

/// A rule's cheap prefilter on the envelope and message.
struct PatternCondition: Sendable {
    var app: PatternGlob?
    var host: PatternGlob?
    var prefix: String?
    var contains: String?
    var regex: CompiledRegex?

    init(_ value: JSONValue?) throws(ConfigurationError) {
        guard let value, value != .null else { return }
        if let text = value.stringValue {
            contains = text
            return
        }
        guard let object = value.objectValue else {
            throw ConfigurationError(path: "match", reason: "expected {app, host, prefix, contains, regex} or a literal")
        }
        for key in object.keys.sorted() {
            guard let text = object[key]?.stringValue, !text.isEmpty else {
                throw ConfigurationError(path: "match.\(key)", reason: "expected a non-empty string")
            }
            switch key {
            case "app": app = PatternGlob(text)
            case "host": host = PatternGlob(text)
            case "prefix": prefix = text
            case "contains": contains = text
            case "regex":
                do {
                    regex = try CompiledRegex(text)
                } catch {
                    throw ConfigurationError(path: "match.regex", reason: "invalid regular expression: \(error)")
                }
            default:
                throw ConfigurationError(path: "match.\(key)", reason: "unknown key; expected app, host, prefix, contains, regex")
            }
        }
    }

    func holds(for syslog: SyslogMessage) -> Bool {
        if let app, !app.matches(syslog.appName) { return false }
        if let host, !host.matches(syslog.hostname) { return false }
        if let prefix, !syslog.message.hasPrefix(prefix) { return false }
        if let contains, !syslog.message.contains(contains) { return false }
        if let regex, (try? regex.matches(syslog.message)) != true { return false }
        return true
    }
}

/// `*`-wildcard text match (`web*`, `*.example.com`).
struct PatternGlob: Sendable {
    let parts: [String]
    let isExact: Bool

    init(_ pattern: String) {
        parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        isExact = parts.count == 1
    }

    func matches(_ text: String?) -> Bool {
        guard let text else { return false }
        if isExact { return text == parts[0] }
        guard text.hasPrefix(parts[0]), let last = parts.last, text.hasSuffix(last),
            text.utf8.count >= parts[0].utf8.count + last.utf8.count
        else { return false }
        var rest = Substring(text.dropFirst(parts[0].count).dropLast(last.count))
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}

// MARK: - Targets

/// Where a capture or constant goes.
enum PatternTarget: Hashable, Sendable {
    case field(PatternField)
    /// `attrs.a.b` as its path, split once at load.
    case attribute([String])
    case time

    static let fieldNames = PatternField.allCases.map(\.rawValue)

    init?(name: String) {
        if let field = PatternField(rawValue: name) {
            self = .field(field)
        } else if name.hasPrefix("attrs.") && name.count > 6 {
            self = .attribute(name.dropFirst(6).split(separator: ".").map(String.init))
        } else if name.hasPrefix("attrs_") && name.count > 6 {
            self = .attribute(name.dropFirst(6).split(separator: ".").map(String.init))
        } else if name == "time" {
            self = .time
        } else {
            return nil
        }
    }

    func set(_ text: String, in event: inout AuditEvent) {
        let value: String? = text.isEmpty || text == "-" ? nil : text
        switch self {
        case .time: return
        case .attribute(let path):
            guard let value else { return }
            Self.setAttribute(path: path, value: .string(value), in: &event)
        case .field(let field):
            switch field {
            case .kind: event.kind = value
            case .host: event.host = value
            case .app: event.app = value
            case .actor: event.actor = value
            case .actorID: event.actorID = value
            case .actorRole: event.actorRole = value
            case .actorType: event.actorType = value
            case .impersonator: event.impersonator = value
            case .session: event.session = value
            case .action: event.action = value ?? event.action
            case .category: event.category = value
            case .entityType: event.entityType = value
            case .entityID: event.entityID = value
            case .entityName: event.entityName = value
            case .outcome: event.outcome = value
            case .severity: event.severity = value
            case .ip: event.ip = value
            case .userAgent: event.userAgent = value
            case .method: event.method = value
            case .url: event.url = value
            case .message: event.message = value
            case .status:
                if let value, let number = Int(value), (0..<100_000).contains(number) {
                    event.status = number
                } else if let value {
                    event.attrs["status"] = .string(value)
                }
            case .bytes:
                if let value, let number = Int64(value), number >= 0 {
                    event.bytes = number
                } else if let value {
                    event.attrs["bytes"] = .string(value)
                }
            case .durationMS:
                if let value, let number = Double(value), number.isFinite {
                    event.durationMS = number
                } else if let value {
                    event.attrs["duration_ms"] = .string(value)
                }
            }
        }
    }

    func get(from event: AuditEvent) -> String? {
        switch self {
        case .time: return nil
        case .attribute(let path): return event.value(forField: "attrs." + path.joined(separator: "."))?.scalarText
        case .field(let field): return event.value(forField: field.rawValue)?.scalarText
        }
    }

    /// `a.b` sets `attrs.a.b` as nested objects.
    static func setAttribute(path parts: [String], value: JSONValue, in event: inout AuditEvent) {
        guard let first = parts.first else { return }
        if parts.count == 1 {
            event.attrs[first] = value
            return
        }
        func nest(_ current: JSONValue?, _ rest: ArraySlice<String>) -> JSONValue {
            guard let key = rest.first else { return value }
            var object = current?.objectValue ?? [:]
            object[key] = nest(object[key], rest.dropFirst())
            return .object(object)
        }
        event.attrs[first] = nest(event.attrs[first], parts.dropFirst())
    }
}

/// The event fields a capture or constant can fill, by their JSON names.
enum PatternField: String, CaseIterable, Sendable {
    case kind, host, app, actor
    case actorID = "actor_id", actorRole = "actor_role", actorType = "actor_type"
    case impersonator, session, action, category
    case entityType = "entity_type", entityID = "entity_id", entityName = "entity_name"
    case outcome, severity, ip
    case userAgent = "user_agent"
    case method, url, status
    case durationMS = "duration_ms"
    case bytes, message
}

// MARK: - Time formats

/// How a rule reads its time capture.
enum PatternTimeFormat: Sendable, CustomStringConvertible {
    case rfc3339
    case epoch
    case epochMilliseconds
    case clf
    case bsd
    case strftime([Directive], String)

    enum Directive: Sendable, Equatable {
        case literal(UInt8)
        case year, year2, month, day, dayPadded, hour, minute, second, fraction, zone, monthName, epoch
    }

    init(_ text: String) throws(ConfigurationError) {
        switch text {
        case "rfc3339", "iso8601": self = .rfc3339
        case "epoch": self = .epoch
        case "epoch_ms": self = .epochMilliseconds
        case "clf": self = .clf
        case "bsd": self = .bsd
        default:
            guard text.contains("%") else {
                throw ConfigurationError(
                    path: "format", reason: "expected rfc3339, epoch, epoch_ms, clf, bsd or a strftime pattern")
            }
            var directives: [Directive] = []
            var bytes = Array(text.utf8)[...]
            while let byte = bytes.first {
                bytes = bytes.dropFirst()
                guard byte == UInt8(ascii: "%") else {
                    directives.append(.literal(byte))
                    continue
                }
                guard let code = bytes.first else {
                    throw ConfigurationError(path: "format", reason: "a lone % at the end")
                }
                bytes = bytes.dropFirst()
                switch code {
                case UInt8(ascii: "Y"): directives.append(.year)
                case UInt8(ascii: "y"): directives.append(.year2)
                case UInt8(ascii: "m"): directives.append(.month)
                case UInt8(ascii: "d"): directives.append(.day)
                case UInt8(ascii: "e"): directives.append(.dayPadded)
                case UInt8(ascii: "H"): directives.append(.hour)
                case UInt8(ascii: "M"): directives.append(.minute)
                case UInt8(ascii: "S"): directives.append(.second)
                case UInt8(ascii: "f"): directives.append(.fraction)
                case UInt8(ascii: "z"): directives.append(.zone)
                case UInt8(ascii: "b"): directives.append(.monthName)
                case UInt8(ascii: "s"): directives.append(.epoch)
                case UInt8(ascii: "T"): directives += [.hour, .literal(58), .minute, .literal(58), .second]
                case UInt8(ascii: "F"): directives += [.year, .literal(45), .month, .literal(45), .day]
                case UInt8(ascii: "%"): directives.append(.literal(byte))
                default:
                    throw ConfigurationError(
                        path: "format",
                        reason: "unsupported directive %\(Character(Unicode.Scalar(code))); supported: %Y %y %m %d %e %H %M %S %f %z %b %s %T %F %%")
                }
            }
            self = .strftime(directives, text)
        }
    }

    var description: String {
        switch self {
        case .rfc3339: return "rfc3339"
        case .epoch: return "epoch"
        case .epochMilliseconds: return "epoch_ms"
        case .clf: return "clf"
        case .bsd: return "bsd"
        case .strftime(_, let text): return text
        }
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    func parse(_ text: Substring, zone: TimeZone, reference: Timestamp) -> Timestamp? {
        let resolver = LocalTimeResolver(timeZone: zone)
        switch self {
        case .rfc3339:
            if let instant = Timestamp.parse(text, defaultOffset: nil) { return instant }
            return Timestamp.parse(text, defaultOffset: 0).map(resolver.localToUTC)
        case .epoch:
            guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e12 else { return nil }
            return Timestamp(seconds: seconds)
        case .epochMilliseconds:
            guard let ms = Double(text), ms.isFinite, abs(ms) < 1e15 else { return nil }
            return Timestamp(microseconds: Int64((ms * 1000).rounded()))
        case .clf:
            // 10/Oct/2000:13:55:36 -0700
            let directives: [Directive] = [
                .day, .literal(47), .monthName, .literal(47), .year, .literal(58), .hour, .literal(58), .minute,
                .literal(58), .second, .literal(32), .zone,
            ]
            return Self.read(Array(text.utf8), directives, resolver: resolver, reference: reference)
        case .bsd:
            var scanner = HeaderScanner(Array(text.utf8))
            guard let stamp = BSDTimestamp.read(&scanner), scanner.atEnd else { return nil }
            return stamp.resolve(with: resolver, reference: reference).timestamp
        case .strftime(let directives, _):
            return Self.read(Array(text.utf8), directives, resolver: resolver, reference: reference)
        }
    }

    static func read(
        _ bytes: [UInt8], _ directives: [Directive], resolver: LocalTimeResolver, reference: Timestamp
    ) -> Timestamp? {
        var i = 0
        var year: Int?
        var month = 1
        var day = 1
        var hour = 0
        var minute = 0
        var second = 0
        var micros = 0
        var offset: Int?
        func digits(_ maxCount: Int, exact: Bool) -> Int? {
            var value = 0
            var count = 0
            while count < maxCount, i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                value = value * 10 + Int(bytes[i] - 0x30)
                i += 1
                count += 1
            }
            return count == 0 || (exact && count != maxCount) ? nil : value
        }
        for directive in directives {
            switch directive {
            case .literal(let byte):
                guard i < bytes.count, bytes[i] == byte else { return nil }
                i += 1
            case .year: guard let v = digits(4, exact: true) else { return nil }; year = v
            case .year2: guard let v = digits(2, exact: true) else { return nil }; year = 2000 + v
            case .month: guard let v = digits(2, exact: false) else { return nil }; month = v
            case .day: guard let v = digits(2, exact: false) else { return nil }; day = v
            case .dayPadded:
                if i < bytes.count && bytes[i] == 0x20 { i += 1 }
                guard let v = digits(2, exact: false) else { return nil }; day = v
            case .hour: guard let v = digits(2, exact: false) else { return nil }; hour = v
            case .minute: guard let v = digits(2, exact: true) else { return nil }; minute = v
            case .second: guard let v = digits(2, exact: true) else { return nil }; second = v
            case .fraction:
                var place = 100_000
                let start = i
                while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                    micros += Int(bytes[i] - 0x30) * place
                    place /= 10
                    i += 1
                }
                guard i > start else { return nil }
            case .zone:
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: "Z") || bytes[i] == UInt8(ascii: "z") {
                    offset = 0
                    i += 1
                } else {
                    let sign = bytes[i]
                    guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
                    i += 1
                    guard let h = digits(2, exact: true) else { return nil }
                    if i < bytes.count && bytes[i] == UInt8(ascii: ":") { i += 1 }
                    guard let m = digits(2, exact: true), h <= 23, m <= 59 else { return nil }
                    offset = (h * 3600 + m * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
                }
            case .monthName:
                guard i + 3 <= bytes.count else { return nil }
                let name = String(decoding: bytes[i..<(i + 3)].map { $0 | 0x20 }, as: UTF8.self)
                guard let index = monthNames.firstIndex(of: name) else { return nil }
                month = index + 1
                i += 3
                // Full month names: skip the remaining letters.
                while i < bytes.count, (bytes[i] | 0x20) >= 0x61 && (bytes[i] | 0x20) <= 0x7A { i += 1 }
            case .epoch:
                let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
                if negative { i += 1 }
                guard let v = digits(12, exact: false) else { return nil }
                return i == bytes.count ? Timestamp(microseconds: Int64(negative ? -v : v) * 1_000_000) : nil
            }
        }
        guard i == bytes.count else { return nil }
        guard let year else {
            return resolver.closestInstant(
                month: month, day: day, hour: hour, minute: minute, second: second, microsecond: micros,
                reference: reference)
        }
        guard
            let wall = Timestamp(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second, microsecond: micros)
        else { return nil }
        if let offset { return wall.adding(microseconds: -Int64(offset) * 1_000_000) }
        return resolver.localToUTC(wall)
    }
}
