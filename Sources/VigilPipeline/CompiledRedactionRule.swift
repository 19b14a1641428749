import VigilCore

/// A `RedactionRule` ready to run: regex compiled, literal prefilter as bytes, fields as a bit set.
struct CompiledRedactionRule: @unchecked Sendable {
    // @unchecked: `Regex<AnyRegexOutput>` is immutable after compilation and only read here; it is
    // not declared Sendable on every platform. Nothing is shared or mutated across threads.
    let name: String
    let regex: Regex<AnyRegexOutput>
    let replacement: String
    let literal: [UInt8]
    let fields: RedactableFieldSet

    /// Compiles `rule`, the `index`-th in configuration.
    /// - Throws: `RedactionError` naming the index and what is wrong.
    init(_ rule: RedactionRule, index: Int, taken: Set<String>) throws(RedactionError) {
        guard !rule.name.allSatisfy(\.isWhitespace) else {
            throw .invalidName(index: index, name: rule.name, reason: "it is empty")
        }
        guard !taken.contains(rule.name) else {
            throw .invalidName(index: index, name: rule.name, reason: "another rule or a built-in already has it")
        }
        name = rule.name
        do {
            regex = try Regex(rule.pattern)
        } catch {
            throw .invalidPattern(index: index, name: rule.name, reason: "\(error)")
        }
        if (try? regex.wholeMatch(in: "")) != nil {
            throw .invalidPattern(index: index, name: rule.name, reason: "it matches the empty string")
        }
        replacement = rule.replacement
        if let contains = rule.contains {
            guard !contains.isEmpty else { throw .emptyLiteral(index: index, name: rule.name) }
            literal = Array(contains.utf8)
        } else {
            literal = []
        }
        if let names = rule.fields {
            var set = RedactableFieldSet()
            for field in names {
                guard let known = RedactableField.byName[field] else {
                    throw .unknownField(index: index, name: rule.name, field: field)
                }
                set.insert(RedactableFieldSet(known))
            }
            fields = set
        } else {
            fields = .standard
        }
    }

    /// `text` with every non-empty match replaced, and how many there were; `nil` when none.
    func apply(to text: String) -> (text: String, matches: Int)? {
        if !literal.isEmpty, !Self.contains(text, literal) { return nil }
        var result = ""
        var matches = 0
        var position = text.startIndex
        for match in text.matches(of: regex) where !match.range.isEmpty {
            if matches == 0 { result.reserveCapacity(text.utf8.count) }
            result += text[position..<match.range.lowerBound]
            result += replacement
            position = match.range.upperBound
            matches += 1
        }
        guard matches > 0 else { return nil }
        result += text[position...]
        return (result, matches)
    }

    /// Byte search for `needle` in the UTF-8 of `text`.
    static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        func search(_ hay: UnsafeBufferPointer<UInt8>) -> Bool {
            guard hay.count >= needle.count else { return false }
            let first = needle[0]
            var i = 0
            let last = hay.count - needle.count
            outer: while i <= last {
                if hay[i] == first {
                    for k in 1..<needle.count where hay[i + k] != needle[k] {
                        i += 1
                        continue outer
                    }
                    return true
                }
                i += 1
            }
            return false
        }
        if let found = text.utf8.withContiguousStorageIfAvailable(search) { return found }
        var copy = text
        return copy.withUTF8(search)
    }
}
