/// What a field name in a filter refers to.
enum FieldSpec {
    case field(FilterField)
    case entity
    case since
    case until
}

extension FilterParser {
    // MARK: - Field names

    /// Names a filter accepts besides `attrs.PATH`.
    static let knownNames: [String] = (Array(AuditEvent.fieldTypes.keys) + ["entity", "since", "until"]).sorted()

    func resolveField(_ name: String, at offset: Int) throws(FilterError) -> FieldSpec {
        switch name {
        case "entity": return .entity
        case "since": return .since
        case "until": return .until
        case "prev_hash", "hash": return .field(.digest(name))
        default: break
        }
        if let type = AuditEvent.fieldTypes[name] {
            switch type {
            case .text: return .field(.text(name))
            case .number: return .field(.number(name))
            case .time: return .field(.time(name))
            case .structured: return .field(.structured(name))
            }
        }
        if name.hasPrefix("attrs.") {
            let path = name.dropFirst(6).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard path.allSatisfy({ !$0.isEmpty }) else {
                throw FilterError("empty member name in '\(name)'; write attrs.a.b", at: offset)
            }
            // Kept out so that JSON paths never need escaping in any SQLite version.
            for (index, scalar) in name.unicodeScalars.enumerated()
            where scalar == "\\" || scalar == "'" || scalar.value < 0x20 || scalar.value == 0x7F {
                let shown = scalar.escaped(asASCII: true)
                throw FilterError("'\(shown)' cannot appear in a field name", at: offset + index)
            }
            return .field(.attrs(path))
        }
        throw FilterError("unknown field '\(name)'\(FilterParser.suggestions(for: name))", at: offset)
    }

    /// `; did you mean 'actor' or 'after'?`, or a reminder of what fields exist.
    static func suggestions(for name: String) -> String {
        let lower = name.lowercased()
        let limit = lower.count <= 3 ? 1 : 2
        let close = knownNames.compactMap { candidate -> (Int, String)? in
            let distance = editDistance(lower, candidate)
            if distance <= limit { return (distance, candidate) }
            if lower.count >= 3, candidate.contains(lower) || lower.contains(candidate) {
                return (limit + 1, candidate)
            }
            return nil
        }.sorted { $0 < $1 }.prefix(3).map { "'\($0.1)'" }
        guard let last = close.last else {
            return "; fields are the event's names (actor, action, entity_id, ip, status ...), attrs.PATH, "
                + "entity, since and until"
        }
        let list = close.count == 1 ? last : close.dropLast().joined(separator: ", ") + " or " + last
        return "; did you mean \(list)?"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    // MARK: - Values

    /// Builds the term for `field:value`.
    func makeTerm(_ spec: FieldSpec, _ token: FilterToken, after: String) throws(FilterError) -> Filter {
        let pattern: FilterPattern
        switch token.kind {
        case .word(let text): pattern = FilterPattern(unquoted: text)
        case .quoted(let quoted, _): pattern = quoted
        default: throw unexpected(token, expected: "a value")
        }
        let offset = token.offset
        switch spec {
        case .since, .until:
            guard let text = pattern.literal, let instant = FilterParser.instant(text) else {
                throw FilterError(
                    "expected a duration (30s, 15m, 2h, 7d, 2w) or a time (2026-01-01, RFC 3339) \(after)", at: offset)
            }
            if case .since = spec { return .since(instant) }
            return .until(instant)
        case .entity:
            guard !pattern.isAnything else { return .exists(.text("entity_type")) }
            guard let (type, id) = pattern.split(at: "/") else { return .match(.text("entity_type"), pattern) }
            guard type.literal != "" else {
                throw FilterError("expected an entity type before '/' \(after)", at: offset)
            }
            guard id.literal != "" else { throw FilterError("expected an entity id after '/' \(after)", at: offset) }
            func term(_ name: String, _ part: FilterPattern) -> Filter {
                part.isAnything ? .exists(.text(name)) : .match(.text(name), part)
            }
            return FilterParser.joined([term("entity_type", type), term("entity_id", id)], and: true)
        case .field(let field):
            if pattern.isAnything { return .exists(field) }
            switch field {
            case .text("ip") where pattern.literal?.contains("/") == true:
                guard let network = IPNetwork(cidr: pattern.literal ?? "") else {
                    throw FilterError("expected an address or a block such as 10.0.0.0/8 \(after)", at: offset)
                }
                return .network(network)
            case .text, .digest, .attrs:
                return .match(field, pattern)
            case .number(let name):
                guard let text = pattern.literal, let number = FilterNumber.parse(text) else {
                    throw FilterError("expected a number \(after); '\(name)' is a number field", at: offset)
                }
                return .compare(field, .equal, .number(number))
            case .time:
                guard let text = pattern.literal, let time = FilterParser.time(text) else {
                    throw FilterError("expected a time (2026-01-01, 2026-01-01T10:00:00Z) \(after)", at: offset)
                }
                // A date alone means that whole (UTC) day.
                if text.utf8.count == 10 {
                    return .and([
                        .compare(field, .greaterOrEqual, .time(time)),
                        .compare(field, .less, .time(time.adding(microseconds: 86_400_000_000))),
                    ])
                }
                return .compare(field, .equal, .time(time))
            case .structured(let name):
                throw FilterError(
                    "'\(name)' can only be tested for presence (\(name):*); name a member such as attrs.records",
                    at: offset)
            }
        }
    }

    /// Builds `field OP value`.
    func makeComparison(
        _ spec: FieldSpec, _ op: FilterComparison, _ text: String, at offset: Int, after: String
    ) throws(FilterError) -> Filter {
        guard case .field(let field) = spec else {
            throw FilterError("'\(op.rawValue)' compares numbers and times; write since:, until: or entity: instead",
                              at: offset)
        }
        switch field {
        case .number, .attrs:
            guard let number = FilterNumber.parse(text) else {
                throw FilterError("expected a number after \(after)", at: offset)
            }
            return .compare(field, op, .number(number))
        case .time:
            guard let time = FilterParser.time(text) else {
                throw FilterError("expected a time (2026-01-01, 2026-01-01T10:00:00Z) after \(after)", at: offset)
            }
            return .compare(field, op, .time(time))
        case .text(let name), .digest(let name), .structured(let name):
            throw FilterError(
                "'\(op.rawValue)' compares numbers and times; '\(name)' is not a number or time field", at: offset)
        }
    }

    /// `2026-01-01` (midnight UTC) or RFC 3339; a date-time without a zone is UTC.
    static func time(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        if bytes.count == 10 {
            var scanner = DigitScanner(bytes)
            guard let year = scanner.digits(4), scanner.expect(UInt8(ascii: "-")), let month = scanner.digits(2),
                scanner.expect(UInt8(ascii: "-")), let day = scanner.digits(2)
            else { return nil }
            return Timestamp(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
        }
        return Timestamp.parse(text, defaultOffset: 0)
    }

    static func instant(_ text: String) -> FilterInstant? {
        if let duration = FilterDuration.parse(text) { return .ago(duration) }
        return time(text).map(FilterInstant.absolute)
    }
}
