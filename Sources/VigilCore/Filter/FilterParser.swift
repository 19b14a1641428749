/// Recursive descent over `FilterLexer` tokens. Precedence, loosest first: `or`, `and` (or nothing:
/// adjacent terms), `not` / `-`. Field terms are resolved by `FilterParser+Terms.swift`.
///
/// ```
/// filter  := or?
/// or      := and ("or" and)*
/// and     := unary ("and"? unary)*
/// unary   := ("not" | "-") unary | primary
/// primary := "(" or ")" | QUOTED | WORD | NAME ":" value | NAME OP VALUE
/// value   := VALUE | QUOTED | "(" vor ")"        -- vor/vand/vunary: the same over values, no "-"
/// ```
struct FilterParser {
    var lexer: FilterLexer
    private var lookahead: (token: FilterToken, mode: FilterLexer.Mode)?
    private var depth = 0
    var terms = 0

    init(_ text: String) { self.lexer = FilterLexer(text) }

    mutating func parseFilter() throws(FilterError) -> Filter {
        guard lexer.scalars.count <= Filter.maximumLength else {
            throw FilterError("filter is longer than \(Filter.maximumLength) characters", at: Filter.maximumLength)
        }
        if try peek(.term).kind == .end { return .all }
        let filter = try parseOr()
        let token = try next(.term)
        guard token.kind == .end else { throw unexpected(token, expected: "'and', 'or' or the end of the filter") }
        return filter
    }

    // MARK: - Tokens

    mutating func peek(_ mode: FilterLexer.Mode) throws(FilterError) -> FilterToken {
        if let lookahead {
            if lookahead.mode == mode { return lookahead.token }
            lexer.index = lookahead.token.offset
        }
        let token = try lexer.next(mode)
        lookahead = (token, mode)
        return token
    }

    mutating func next(_ mode: FilterLexer.Mode) throws(FilterError) -> FilterToken {
        let token = try peek(mode)
        lookahead = nil
        return token
    }

    /// Whether `token` can begin a term, so an implicit `and` joins it to the one before.
    private func startsTerm(_ token: FilterToken, inValues: Bool) -> Bool {
        switch token.kind {
        case .leftParen, .quoted: return true
        case .minus: return !inValues
        case .word: return !token.isKeyword("and") && !token.isKeyword("or")
        case .end, .rightParen, .colon, .comparison: return false
        }
    }

    func unexpected(_ token: FilterToken, expected: String) -> FilterError {
        let found: String
        switch token.kind {
        case .end: found = "the end of the filter"
        case .leftParen: found = "'('"
        case .rightParen: found = "')'"
        case .minus: found = "'-'"
        case .colon: found = "':'"
        case .comparison(let op): found = "'\(op.rawValue)'"
        case .word(let text): found = "'\(text)'"
        case .quoted(_, let raw): found = "\"\(raw)\""
        }
        return FilterError("expected \(expected), found \(found)", at: token.offset)
    }

    private mutating func enter(_ token: FilterToken) throws(FilterError) {
        depth += 1
        guard depth <= Filter.maximumDepth else {
            throw FilterError("filter nests deeper than \(Filter.maximumDepth) levels", at: token.offset)
        }
    }

    private mutating func leave() { depth -= 1 }

    mutating func countTerm(_ token: FilterToken) throws(FilterError) {
        terms += 1
        guard terms <= Filter.maximumTerms else {
            throw FilterError("filter has more than \(Filter.maximumTerms) terms", at: token.offset)
        }
    }

    // MARK: - Terms

    private mutating func parseOr() throws(FilterError) -> Filter {
        var members = [try parseAnd()]
        while try peek(.term).isKeyword("or") {
            _ = try next(.term)
            members.append(try parseAnd())
        }
        return FilterParser.joined(members, and: false)
    }

    /// `.and` / `.or` of `members`, splicing in members of the same kind: `a (b c)` is `and[a, b, c]`.
    static func joined(_ members: [Filter], and: Bool) -> Filter {
        var flat: [Filter] = []
        for member in members {
            switch (member, and) {
            case (.and(let inner), true), (.or(let inner), false): flat += inner
            default: flat.append(member)
            }
        }
        if flat.count == 1 { return flat[0] }
        return and ? .and(flat) : .or(flat)
    }

    private mutating func parseAnd() throws(FilterError) -> Filter {
        var members = [try parseUnary()]
        while true {
            let token = try peek(.term)
            if token.isKeyword("and") {
                _ = try next(.term)
            } else if !startsTerm(token, inValues: false) {
                break
            }
            members.append(try parseUnary())
        }
        return FilterParser.joined(members, and: true)
    }

    private mutating func parseUnary() throws(FilterError) -> Filter {
        let token = try peek(.term)
        guard token.isKeyword("not") || token.kind == .minus else { return try parsePrimary() }
        _ = try next(.term)
        try enter(token)
        defer { leave() }
        return .not(try parseUnary())
    }

    private mutating func parsePrimary() throws(FilterError) -> Filter {
        let token = try next(.term)
        switch token.kind {
        case .leftParen:
            try enter(token)
            defer { leave() }
            let inner = try parseOr()
            let close = try next(.term)
            guard close.kind == .rightParen else {
                throw unexpected(close, expected: "')' to close the '(' at column \(token.offset + 1)")
            }
            return inner
        case .quoted(let pattern, _):
            try countTerm(token)
            return .text(pattern)
        case .word(let text):
            guard !token.isKeyword("and"), !token.isKeyword("or") else {
                throw FilterError("expected a term before '\(text)'", at: token.offset)
            }
            if lookahead == nil, lexer.scalarAt(token.end) == ":" {
                lexer.index = token.end + 1
                return try parseFieldTerm(name: text, at: token)
            }
            if case .comparison(let op) = try peek(.term).kind {
                let opToken = try next(.term)
                return try parseComparison(name: text, at: token, op: op, opToken: opToken)
            }
            try countTerm(token)
            return .text(FilterPattern(unquoted: text))
        case .colon:
            throw FilterError("expected a field name before ':'", at: token.offset)
        case .comparison(let op):
            throw FilterError("expected a field name before '\(op.rawValue)'", at: token.offset)
        case .end, .rightParen, .minus:
            throw unexpected(token, expected: "a term")
        }
    }

    // MARK: - Values

    /// Parses what follows `name:` (no blank allowed in between): one value or a `( ... )` group.
    private mutating func parseFieldTerm(name: String, at nameToken: FilterToken) throws(FilterError) -> Filter {
        let field = try resolveField(name, at: nameToken.offset)
        let valueOffset = nameToken.end + 1
        let token = try next(.value)
        let after = "after '\(name):'"
        switch token.kind {
        case .word, .quoted:
            guard token.offset == valueOffset else { throw FilterError("expected a value \(after)", at: valueOffset) }
            try countTerm(token)
            return try makeTerm(field, token, after: after)
        case .leftParen:
            guard token.offset == valueOffset else { throw FilterError("expected a value \(after)", at: valueOffset) }
            try enter(token)
            defer { leave() }
            let group = try parseValueOr(field, after: after)
            let close = try next(.value)
            guard close.kind == .rightParen else {
                throw unexpected(close, expected: "')' to close the '(' at column \(token.offset + 1)")
            }
            return group
        default:
            throw FilterError("expected a value \(after)", at: valueOffset)
        }
    }

    private mutating func parseValueOr(_ field: FieldSpec, after: String) throws(FilterError) -> Filter {
        var members = [try parseValueAnd(field, after: after)]
        while try peek(.value).isKeyword("or") {
            _ = try next(.value)
            members.append(try parseValueAnd(field, after: after))
        }
        return FilterParser.joined(members, and: false)
    }

    private mutating func parseValueAnd(_ field: FieldSpec, after: String) throws(FilterError) -> Filter {
        var members = [try parseValueUnary(field, after: after)]
        while true {
            let token = try peek(.value)
            if token.isKeyword("and") {
                _ = try next(.value)
            } else if !startsTerm(token, inValues: true) {
                break
            }
            members.append(try parseValueUnary(field, after: after))
        }
        return FilterParser.joined(members, and: true)
    }

    private mutating func parseValueUnary(_ field: FieldSpec, after: String) throws(FilterError) -> Filter {
        let token = try next(.value)
        switch token.kind {
        case .word where token.isKeyword("not"):
            try enter(token)
            defer { leave() }
            return .not(try parseValueUnary(field, after: after))
        case .word where token.isKeyword("and") || token.isKeyword("or"):
            throw unexpected(token, expected: "a value")
        case .word, .quoted:
            try countTerm(token)
            return try makeTerm(field, token, after: after)
        case .leftParen:
            try enter(token)
            defer { leave() }
            let inner = try parseValueOr(field, after: after)
            let close = try next(.value)
            guard close.kind == .rightParen else {
                throw unexpected(close, expected: "')' to close the '(' at column \(token.offset + 1)")
            }
            return inner
        default:
            throw unexpected(token, expected: "a value")
        }
    }

    private mutating func parseComparison(
        name: String, at nameToken: FilterToken, op: FilterComparison, opToken: FilterToken
    ) throws(FilterError) -> Filter {
        let field = try resolveField(name, at: nameToken.offset)
        let token = try next(.value)
        let text: String
        switch token.kind {
        case .word(let word): text = word
        case .quoted(let pattern, _) where pattern.literal != nil: text = pattern.literal ?? ""
        default: throw FilterError("expected a value after '\(name) \(op.rawValue)'", at: opToken.end)
        }
        try countTerm(token)
        return try makeComparison(field, op, text, at: token.offset, after: "'\(name) \(op.rawValue)'")
    }
}
