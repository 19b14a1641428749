extension Filter {
    /// Compiles the filter for matching events in memory.
    /// - Parameter now: the instant relative `since:` / `until:` durations count back from.
    /// - Returns: a predicate to call once per event.
    public func predicate(now: Timestamp) -> FilterPredicate {
        FilterPredicate(root: FilterPredicate.Node(self, now: now))
    }

    /// Whether `event` matches; compiles on every call, so prefer `predicate(now:)` for streams.
    public func matches(_ event: AuditEvent, now: Timestamp) -> Bool { predicate(now: now).matches(event) }
}

extension FilterPredicate {
    /// The compiled tree: every needle, number, range and path is prepared once.
    indirect enum Node: Sendable {
        case constant(Bool)
        case and([Node])
        case or([Node])
        case not(Node)
        case textExists(TextColumn)
        case textEquals(TextColumn, [UInt8])
        case textGlob(TextColumn, Glob)
        case numberExists(NumberColumn)
        case numberCompare(NumberColumn, FilterComparison, FilterNumber)
        case timeCompare(received: Bool, FilterComparison, Int64)
        case attrsExists([String])
        case attrsEquals([String], text: [UInt8], number: FilterNumber?)
        case attrsGlob([String], Glob)
        case attrsCompare([String], FilterComparison, FilterNumber)
        case attrsPresent
        case changesPresent
        case network(IPNetwork)
        case fullText(FullText)

        init(_ filter: Filter, now: Timestamp) {
            switch filter {
            case .all: self = .constant(true)
            case .and(let members): self = .and(members.map { Node($0, now: now) })
            case .or(let members): self = .or(members.map { Node($0, now: now) })
            case .not(let member): self = .not(Node(member, now: now))
            case .exists(let field): self = Node.exists(field)
            case .match(let field, let pattern): self = Node.match(field, pattern)
            case .compare(let field, let op, let operand): self = Node.compare(field, op, operand)
            case .network(let network): self = .network(network)
            case .text(let pattern): self = .fullText(FullText(pattern))
            case .since(let instant):
                self = .timeCompare(received: false, .greaterOrEqual, instant.resolved(now: now).microseconds)
            case .until(let instant):
                self = .timeCompare(received: false, .less, instant.resolved(now: now).microseconds)
            }
        }

        private static func exists(_ field: FilterField) -> Node {
            switch field {
            case .text(let name), .digest(let name):
                return TextColumn.byName[name].map(Node.textExists) ?? .constant(false)
            case .number(let name):
                return numberColumn(name).map(Node.numberExists) ?? .constant(false)
            case .time(let name):
                return .constant(name == "time" || name == "received")
            case .attrs(let path):
                return .attrsExists(path)
            case .structured(let name):
                return name == "attrs" ? .attrsPresent : (name == "changes" ? .changesPresent : .constant(false))
            }
        }

        private static func match(_ field: FilterField, _ pattern: FilterPattern) -> Node {
            switch field {
            case .text(let name), .digest(let name):
                guard let column = TextColumn.byName[name] else { return .constant(false) }
                if let literal = pattern.literal { return .textEquals(column, Array(literal.utf8)) }
                return .textGlob(column, Glob(pattern))
            case .attrs(let path):
                if let literal = pattern.literal {
                    return .attrsEquals(path, text: Array(literal.utf8), number: FilterNumber.parse(literal))
                }
                return .attrsGlob(path, Glob(pattern))
            case .number, .time, .structured:
                // The parser never builds these; a hand-made AST gets "no match", as in SQL.
                return .constant(false)
            }
        }

        private static func compare(_ field: FilterField, _ op: FilterComparison, _ operand: FilterOperand) -> Node {
            switch (field, operand) {
            case (.number(let name), .number(let number)):
                return numberColumn(name).map { .numberCompare($0, op, number) } ?? .constant(false)
            case (.time(let name), .time(let time)) where name == "time" || name == "received":
                return .timeCompare(received: name == "received", op, time.microseconds)
            case (.attrs(let path), .number(let number)):
                return .attrsCompare(path, op, number)
            default:
                return .constant(false)
            }
        }

        private static func numberColumn(_ name: String) -> NumberColumn? {
            switch name {
            case "status": return .status
            case "duration_ms": return .durationMS
            case "bytes": return .bytes
            default: return nil
            }
        }

        /// See ``FilterPredicate/requiredActions``: an `and` is bounded by its narrowest member, an `or`
        /// only when all its members are.
        var requiredActions: Set<String>? {
            switch self {
            case .textEquals(.action, let bytes): return [String(decoding: bytes, as: UTF8.self)]
            case .constant(false): return []
            case .or(let members):
                var union: Set<String> = []
                for member in members {
                    guard let actions = member.requiredActions else { return nil }
                    union.formUnion(actions)
                }
                return union
            case .and(let members):
                return members.compactMap(\.requiredActions).min { $0.count < $1.count }
            default: return nil
            }
        }

        // MARK: - Evaluation

        func matches(_ e: AuditEvent) -> Bool {
            switch self {
            case .constant(let value): return value
            case .and(let members): return members.allSatisfy { $0.matches(e) }
            case .or(let members): return members.contains { $0.matches(e) }
            case .not(let member): return !member.matches(e)
            case .textExists(let column): return column.value(in: e) != nil
            case .textEquals(let column, let bytes):
                guard let value = column.value(in: e) else { return false }
                return Node.bytesEqual(value, bytes)
            case .textGlob(let column, let glob):
                return column.value(in: e).map(glob.matches) ?? false
            case .numberExists(let column): return column.exists(in: e)
            case .numberCompare(let column, let op, let number):
                return column.order(in: e, against: number).map(op.holds) ?? false
            case .timeCompare(let received, let op, let micros):
                let value = received ? e.received.microseconds : e.time.microseconds
                return op.holds(value < micros ? -1 : (value > micros ? 1 : 0))
            case .attrsExists(let path):
                guard let value = Node.member(path, of: e) else { return false }
                return value != .null
            case .attrsEquals(let path, let text, let number):
                switch Node.member(path, of: e) {
                case .string(let s): return Node.bytesEqual(s, text)
                case .int(let i): return number.map { $0.order(of: i) == 0 } ?? false
                case .double(let d): return number.map { $0.order(of: d) == 0 } ?? false
                case .bool(let b): return text.elementsEqual((b ? "true" : "false").utf8)
                default: return false
                }
            case .attrsGlob(let path, let glob):
                switch Node.member(path, of: e) {
                case .string(let s): return glob.matches(s)
                case .int(let i): return glob.matches(String(i))
                case .bool(let b): return glob.matches(b ? "true" : "false")
                default: return false
                }
            case .attrsCompare(let path, let op, let number):
                switch Node.member(path, of: e) {
                case .int(let i): return op.holds(number.order(of: i))
                case .double(let d): return op.holds(number.order(of: d))
                default: return false
                }
            case .attrsPresent: return !e.attrs.isEmpty
            case .changesPresent: return !e.changes.isEmpty
            case .network(let network):
                guard let ip = e.ip, let address = IPAddress.parse(ip) else { return false }
                return network.contains(address)
            case .fullText(let needle): return needle.matches(e)
            }
        }

        /// Byte equality (as SQLite compares text), with the length checked first.
        @inline(__always)
        static func bytesEqual(_ text: String, _ bytes: [UInt8]) -> Bool {
            let utf8 = text.utf8
            guard utf8.count == bytes.count else { return false }
            let contiguous = utf8.withContiguousStorageIfAvailable { hay in
                bytes.withUnsafeBufferPointer { needle in
                    for i in 0..<needle.count where hay[i] != needle[i] { return false }
                    return true
                }
            }
            return contiguous ?? utf8.elementsEqual(bytes)
        }

        /// The member at `path`, as the store's JSON reads back: a real the canonical writer prints as an
        /// integer (`2.0` → `2`) is an integer, and a non-finite one (written `null`) is `null`.
        static func member(_ path: [String], of e: AuditEvent) -> JSONValue? {
            guard let first = path.first, var value = e.attrs[first] else { return nil }
            for key in path.dropFirst() {
                guard case .object(let members) = value, let next = members[key] else { return nil }
                value = next
            }
            if case .double(let d) = value {
                if !d.isFinite { return .null }
                if d.rounded() == d && abs(d) < 1e15 { return .int(Int64(d)) }
            }
            return value
        }
    }
}
