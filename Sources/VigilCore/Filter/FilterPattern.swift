/// A value to match: literal text with `*` standing for any run of characters.
///
/// Stored as the literal pieces between stars: `a*b` is `["a", "b"]`, `*x` is `["", "x"]`, and a
/// plain value is one piece. Matching is on UTF-8 bytes (as SQLite compares), case-sensitive.
///
/// On `attrs.PATH`, the member's JSON value is compared as follows (the SQL back end does the same):
/// - string: its text;
/// - integer (and a real the canonical JSON writes as an integer, e.g. `2.0`): numerically when the
///   pattern is a plain number (`attrs.n:1000`, `attrs.n:1e3`), else by its decimal text with wildcards;
/// - other reals: numerically when the pattern is a plain number, never by wildcard;
/// - `true` / `false`: by that text;
/// - `null`, arrays and objects: never.
public struct FilterPattern: Sendable, Hashable, CustomStringConvertible {
    /// The literal pieces; a star sits between each two. Never empty.
    public private(set) var pieces: [String]

    /// A pattern from its pieces (stars between them); empty interior pieces are dropped.
    public init(pieces: [String]) {
        guard let first = pieces.first, let last = pieces.last, pieces.count > 1 else {
            self.pieces = [pieces.first ?? ""]
            return
        }
        self.pieces = [first] + pieces.dropFirst().dropLast().filter { !$0.isEmpty } + [last]
    }

    /// A pattern matching exactly `text`, stars included.
    public init(literal text: String) { self.pieces = [text] }

    /// Reads unquoted filter text, where every `*` is a wildcard.
    public init(unquoted text: some StringProtocol) {
        var pieces = [""]
        for scalar in text.unicodeScalars {
            if scalar == "*" { pieces.append("") } else { pieces[pieces.count - 1].unicodeScalars.append(scalar) }
        }
        self.init(pieces: pieces)
    }

    /// The text when the pattern has no wildcard.
    public var literal: String? { pieces.count == 1 ? pieces[0] : nil }

    /// Whether the pattern is only stars (`*`): matches any value.
    public var isAnything: Bool { pieces.count > 1 && pieces.allSatisfy(\.isEmpty) }

    /// Splits at the first literal `separator`: `customer/CUST-*` at `/` gives `customer` and `CUST-*`.
    public func split(at separator: Character) -> (FilterPattern, FilterPattern)? {
        for (index, piece) in pieces.enumerated() {
            guard let cut = piece.firstIndex(of: separator) else { continue }
            let head = Array(pieces[..<index]) + [String(piece[..<cut])]
            let tail = [String(piece[piece.index(after: cut)...])] + Array(pieces[(index + 1)...])
            return (FilterPattern(pieces: head), FilterPattern(pieces: tail))
        }
        return nil
    }

    /// The pattern as filter text: bare when that reads back the same, else quoted with `\"`, `\\`, `\*`.
    public var description: String { filterText(bareAllowed: true) }

    func filterText(bareAllowed: Bool) -> String {
        if bareAllowed && isBare { return pieces.joined(separator: "*") }
        var out = "\""
        for (index, piece) in pieces.enumerated() {
            if index > 0 { out += "*" }
            for scalar in piece.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "*": out += "\\*"
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Bare text reads back the same in both lexer modes: no blanks, brackets, quotes, field or comparison
    /// marks, no leading `-`, and not a keyword.
    private var isBare: Bool {
        let text = pieces.joined(separator: "*")
        guard !text.isEmpty, !pieces.contains(where: { $0.contains("*") }), !text.hasPrefix("-"),
            !FilterLexer.isKeyword(text)
        else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            !FilterLexer.isSpace(scalar) && !"()\":<>\\".unicodeScalars.contains(scalar) && scalar.value >= 0x20
                && scalar.value != 0x7F
        }
    }
}
