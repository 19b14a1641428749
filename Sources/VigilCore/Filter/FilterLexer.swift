/// One token of filter text; `offset` and `end` count Unicode scalars.
struct FilterToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case end
        case leftParen
        case rightParen
        /// `-` directly before a term: `-outcome:success`.
        case minus
        case colon
        case comparison(FilterComparison)
        /// Unquoted text; `*` in it is a wildcard.
        case word(String)
        /// A `"quoted"` value after escapes; `raw` is the text between the quotes.
        case quoted(FilterPattern, raw: String)
    }

    var kind: Kind
    var offset: Int
    var end: Int

    /// The word, if this is an unquoted word equal to `keyword` (case-insensitive).
    func isKeyword(_ keyword: String) -> Bool {
        if case .word(let text) = kind { return text.lowercased() == keyword }
        return false
    }
}

/// Splits filter text into tokens. It has two modes because values may hold characters that
/// separate terms elsewhere: `ip:2001:db8::/32`, `time < 2026-01-01T10:00:00Z`.
///
/// - `.term`: words end at blanks, `( ) " : < >`; `-` right before a term is `.minus`.
/// - `.value`: words end only at blanks and `( ) "`.
struct FilterLexer {
    enum Mode {
        case term
        case value
    }

    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ text: String) { self.scalars = Array(text.unicodeScalars) }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    static func isKeyword(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "and" || lower == "or" || lower == "not"
    }

    func scalarAt(_ position: Int) -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    /// The text of `range` as written.
    func text(_ range: Range<Int>) -> String {
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars[range])
        return out
    }

    mutating func next(_ mode: Mode) throws(FilterError) -> FilterToken {
        while index < scalars.count, FilterLexer.isSpace(scalars[index]) { index += 1 }
        let start = index
        guard index < scalars.count else { return FilterToken(kind: .end, offset: start, end: start) }
        let scalar = scalars[index]
        func single(_ kind: FilterToken.Kind) -> FilterToken {
            index += 1
            return FilterToken(kind: kind, offset: start, end: index)
        }
        switch scalar {
        case "(": return single(.leftParen)
        case ")": return single(.rightParen)
        case "\"": return try quoted()
        default: break
        }
        if mode == .term {
            switch scalar {
            case ":": return single(.colon)
            case "<", ">":
                index += 1
                let orEqual = scalarAt(index) == "="
                if orEqual { index += 1 }
                let op: FilterComparison =
                    scalar == "<" ? (orEqual ? .lessOrEqual : .less) : (orEqual ? .greaterOrEqual : .greater)
                return FilterToken(kind: .comparison(op), offset: start, end: index)
            case "-":
                if let following = scalarAt(index + 1), !FilterLexer.isSpace(following), following != ")" {
                    return single(.minus)
                }
            default: break
            }
        }
        let stops: String = mode == .term ? "()\":<>" : "()\""
        while index < scalars.count, !FilterLexer.isSpace(scalars[index]),
            !stops.unicodeScalars.contains(scalars[index])
        {
            index += 1
        }
        return FilterToken(kind: .word(text(start..<index)), offset: start, end: index)
    }

    /// Reads `"..."` with the escapes `\"`, `\\` and `\*` (a literal star); a bare `*` is a wildcard.
    private mutating func quoted() throws(FilterError) -> FilterToken {
        let start = index
        index += 1
        var pieces = [""]
        var raw = ""
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\"":
                index += 1
                return FilterToken(kind: .quoted(FilterPattern(pieces: pieces), raw: raw), offset: start, end: index)
            case "\\":
                guard let escaped = scalarAt(index + 1) else { break }
                guard escaped == "\"" || escaped == "\\" || escaped == "*" else {
                    throw FilterError(
                        "unknown escape '\\\(escaped)' in quotes; use \\\" for a quote, \\\\ for a backslash, "
                            + "\\* for a literal star", at: index)
                }
                pieces[pieces.count - 1].unicodeScalars.append(escaped)
                raw.unicodeScalars.append(escaped)
                index += 2
                continue
            case "*":
                pieces.append("")
            default:
                pieces[pieces.count - 1].unicodeScalars.append(scalar)
            }
            raw.unicodeScalars.append(scalar)
            index += 1
        }
        throw FilterError("missing closing '\"' for the quote opened", at: start)
    }
}
