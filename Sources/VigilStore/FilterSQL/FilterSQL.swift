import VigilCore

/// A value bound to a `?` placeholder.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

/// A piece of SQL with `?` placeholders and the values to bind to them, in order.
public struct SQLFragment: Sendable {
    public var sql: String
    public var bindings: [SQLValue]

    public init(sql: String, bindings: [SQLValue]) {
        self.sql = sql
        self.bindings = bindings
    }
}

/// What the SQL back end needs beyond the filter.
public struct FilterSQLOptions: Sendable {
    /// The instant relative `since:` / `until:` durations count back from.
    public var now: Timestamp
    /// The partition's FTS5 trigram table (`fts5(message, entity_name, content='', tokenize='trigram')`,
    /// rowid = `seq`), or `nil` when it has none. Used only to narrow full-text terms, never to decide them.
    public var ftsTable: String?

    public init(now: Timestamp, ftsTable: String? = nil) {
        self.now = now
        self.ftsTable = ftsTable
    }
}

extension Filter {
    /// Compiles the filter to a boolean SQL expression over one event table (columns as in the store's
    /// schema: `time` in µs, `ip_bin` 16 bytes, `attrs` JSON), for `WHERE`.
    ///
    /// Values only ever travel as bindings; column names come from a fixed list. The expression agrees
    /// with `predicate(now:)` on every event: `NOT` is written `NOT coalesce((x), 0)` so that a missing
    /// field (SQL `NULL`) counts as "does not match" on both sides.
    /// - Parameter options: `now` and the optional full-text table.
    /// - Returns: the expression and its bindings.
    public func sql(_ options: FilterSQLOptions) -> SQLFragment {
        var compiler = FilterSQLCompiler(options: options)
        compiler.emit(self)
        return SQLFragment(sql: compiler.sql, bindings: compiler.bindings)
    }
}

/// Writes SQL for a filter tree; one instance per compilation.
struct FilterSQLCompiler {
    let options: FilterSQLOptions
    var sql = ""
    var bindings: [SQLValue] = []

    static let textColumns: Set<String> = [
        "id", "source", "kind", "host", "app", "actor", "actor_id", "actor_role", "actor_type", "impersonator",
        "session", "action", "category", "entity_type", "entity_id", "entity_name", "outcome", "severity", "ip",
        "user_agent", "method", "url", "message", "raw", "error",
    ]
    static let numberColumns: Set<String> = ["status", "duration_ms", "bytes"]
    static let timeColumns: Set<String> = ["time", "received"]
    static let digestColumns: Set<String> = ["prev_hash", "hash"]

    init(options: FilterSQLOptions) { self.options = options }

    private mutating func bind(_ value: SQLValue) {
        sql += "?"
        bindings.append(value)
    }

    private mutating func bindNumber(_ number: FilterNumber) {
        switch number {
        case .int(let n): bind(.int(n))
        case .double(let d): bind(.double(d))
        }
    }

    mutating func emit(_ filter: Filter) {
        switch filter {
        case .all: sql += "1"
        case .and(let members): join(members[...], with: "AND", empty: "1")
        case .or(let members): join(members[...], with: "OR", empty: "0")
        case .not(let member):
            sql += "NOT coalesce(("
            emit(member)
            sql += "), 0)"
        case .exists(let field): exists(field)
        case .match(let field, let pattern): match(field, pattern)
        case .compare(let field, let op, let operand): compare(field, op, operand)
        case .network(let network):
            sql += "ip_bin BETWEEN "
            bind(.blob(network.lower.bytes))
            sql += " AND "
            bind(.blob(network.upper.bytes))
        case .text(let pattern): fullText(pattern)
        case .since(let instant):
            sql += "time >= "
            bind(.int(instant.resolved(now: options.now).microseconds))
        case .until(let instant):
            sql += "time < "
            bind(.int(instant.resolved(now: options.now).microseconds))
        }
    }

    /// Balanced, so long `or` lists stay far from SQLite's expression depth limit.
    private mutating func join(_ members: ArraySlice<Filter>, with op: String, empty: String) {
        switch members.count {
        case 0: sql += empty
        case 1: members.first.map { emit($0) }
        default:
            let middle = members.startIndex + members.count / 2
            sql += "("
            join(members[..<middle], with: op, empty: empty)
            sql += " \(op) "
            join(members[middle...], with: op, empty: empty)
            sql += ")"
        }
    }

    // MARK: - Terms

    private mutating func exists(_ field: FilterField) {
        switch field {
        case .text(let name) where Self.textColumns.contains(name): sql += "\(name) IS NOT NULL"
        case .number(let name) where Self.numberColumns.contains(name): sql += "\(name) IS NOT NULL"
        case .time(let name) where Self.timeColumns.contains(name): sql += "\(name) IS NOT NULL"
        case .digest(let name) where Self.digestColumns.contains(name): sql += "\(name) IS NOT NULL"
        case .structured("attrs"): sql += "(attrs IS NOT NULL AND attrs <> '{}')"
        case .structured("changes"): sql += "(changes IS NOT NULL AND changes <> '[]')"
        case .attrs(let path):
            // A member holding JSON null counts as absent, as in memory.
            sql += "coalesce(json_type(attrs, "
            bind(.text(Self.jsonPath(path)))
            sql += "), 'null') <> 'null'"
        default: sql += "0"
        }
    }

    private mutating func match(_ field: FilterField, _ pattern: FilterPattern) {
        switch field {
        case .text(let name) where Self.textColumns.contains(name):
            sql += pattern.literal == nil ? "\(name) GLOB " : "\(name) = "
            bind(.text(pattern.literal ?? Self.glob(pattern.pieces)))
        case .digest(let name) where Self.digestColumns.contains(name):
            sql += "(\(name) IS NOT NULL AND lower(hex(\(name))) "
            sql += pattern.literal == nil ? "GLOB " : "= "
            bind(.text(pattern.literal ?? Self.glob(pattern.pieces)))
            sql += ")"
        case .attrs(let path):
            let jsonPath = SQLValue.text(Self.jsonPath(path))
            if let literal = pattern.literal {
                sql += "((json_type(attrs, "
                bind(jsonPath)
                sql += ") = 'text' AND json_extract(attrs, "
                bind(jsonPath)
                sql += ") = "
                bind(.text(literal))
                sql += ")"
                if let number = FilterNumber.parse(literal) {
                    sql += " OR (json_type(attrs, "
                    bind(jsonPath)
                    sql += ") IN ('integer', 'real') AND json_extract(attrs, "
                    bind(jsonPath)
                    sql += ") = "
                    bindNumber(number)
                    sql += ")"
                }
                if literal == "true" || literal == "false" {
                    sql += " OR json_type(attrs, "
                    bind(jsonPath)
                    sql += ") = '\(literal)'"
                }
                sql += ")"
            } else {
                let glob = SQLValue.text(Self.glob(pattern.pieces))
                sql += "((json_type(attrs, "
                bind(jsonPath)
                sql += ") IN ('text', 'integer') AND CAST(json_extract(attrs, "
                bind(jsonPath)
                sql += ") AS TEXT) GLOB "
                bind(glob)
                sql += ") OR (json_type(attrs, "
                bind(jsonPath)
                sql += ") IN ('true', 'false') AND json_type(attrs, "
                bind(jsonPath)
                sql += ") GLOB "
                bind(glob)
                sql += "))"
            }
        default:
            sql += "0"
        }
    }

    private mutating func compare(_ field: FilterField, _ op: FilterComparison, _ operand: FilterOperand) {
        let symbol = op == .equal ? "=" : op.rawValue
        switch (field, operand) {
        case (.number(let name), .number(let number)) where Self.numberColumns.contains(name):
            sql += "\(name) \(symbol) "
            bindNumber(number)
        case (.time(let name), .time(let time)) where Self.timeColumns.contains(name):
            sql += "\(name) \(symbol) "
            bind(.int(time.microseconds))
        case (.attrs(let path), .number(let number)):
            let jsonPath = SQLValue.text(Self.jsonPath(path))
            sql += "(json_type(attrs, "
            bind(jsonPath)
            sql += ") IN ('integer', 'real') AND json_extract(attrs, "
            bind(jsonPath)
            sql += ") \(symbol) "
            bindNumber(number)
            sql += ")"
        default:
            sql += "0"
        }
    }

    /// Exact check on `message` / `entity_name` (ASCII-case-insensitive), narrowed first by the FTS
    /// table for pieces of three characters or more; the FTS never decides a match alone.
    private mutating func fullText(_ pattern: FilterPattern) {
        let pieces = pattern.pieces.map(Self.asciiLowercased).filter { !$0.isEmpty }
        guard !pieces.isEmpty else {
            sql += "1"
            return
        }
        var prefilter: [String] = []
        if options.ftsTable != nil {
            var seen = Set<String>()
            for trigram in pieces.flatMap(Self.prefilterTrigrams) where seen.insert(trigram).inserted {
                prefilter.append("\"" + trigram.replacing("\"", with: "\"\"") + "\"")
            }
        }
        sql += "("
        if let table = options.ftsTable, !prefilter.isEmpty {
            let quoted = "\"" + table.replacing("\"", with: "\"\"") + "\""
            sql += "seq IN (SELECT rowid FROM \(quoted) WHERE \(quoted) MATCH "
            bind(.text(prefilter.joined(separator: " AND ")))
            sql += ") AND "
        }
        if pattern.literal != nil {
            sql += "(instr(lower(coalesce(message, '')), "
            bind(.text(pieces[0]))
            sql += ") > 0 OR instr(lower(coalesce(entity_name, '')), "
            bind(.text(pieces[0]))
            sql += ") > 0))"
        } else {
            let glob = SQLValue.text("*" + pieces.map { Self.glob([$0]) }.joined(separator: "*") + "*")
            sql += "(lower(coalesce(message, '')) GLOB "
            bind(glob)
            sql += " OR lower(coalesce(entity_name, '')) GLOB "
            bind(glob)
            sql += "))"
        }
    }

    /// The trigrams the FTS prefilter asks for, each alone (one token), AND-ed: partitions sealed with
    /// `detail=none` (cheaper to build by half) cannot match a phrase, and every event holding the piece
    /// holds each of its trigrams. Those starting at 0, 3, 6, … and the last one narrow enough; the
    /// exact check decides. Pieces under three characters, or holding a NUL, ask for none.
    static func prefilterTrigrams(_ piece: String) -> [String] {
        let scalars = Array(piece.unicodeScalars)
        guard scalars.count >= 3, !scalars.contains("\0") else { return [] }
        var starts = Array(stride(from: 0, through: scalars.count - 3, by: 3))
        if starts.last != scalars.count - 3 { starts.append(scalars.count - 3) }
        return starts.map { start in
            var trigram = ""
            trigram.unicodeScalars.append(contentsOf: scalars[start..<(start + 3)])
            return trigram
        }
    }

    // MARK: - Quoting

    /// GLOB text with a `*` between pieces and every other special character made literal.
    static func glob(_ pieces: [String]) -> String {
        pieces.map { piece in
            var out = ""
            for scalar in piece.unicodeScalars {
                switch scalar {
                case "[": out += "[[]"
                case "]": out += "[]]"
                case "?": out += "[?]"
                case "*": out += "[*]"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }.joined(separator: "*")
    }

    /// `$."a"."b"`, each key quoted with `"` and `\` escaped.
    static func jsonPath(_ path: [String]) -> String {
        "$" + path.map { key in
            ".\"" + key.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }.joined()
    }

    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
