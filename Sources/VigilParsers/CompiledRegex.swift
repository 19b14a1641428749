import CPCRE2

/// A regular expression compiled once by PCRE2, with its JIT where the platform has one: the regexes
/// users write in configuration (pattern rules, their `match.regex`, redaction patterns) run on every
/// line, and Swift's `Regex` matched them at a third of the rate the hot path needs.
///
/// The syntax is Perl's, as in PCRE2 and Swift's `Regex`: named captures `(?<name>…)`, classes, `\d \w \s`
/// (Unicode-aware, as in Swift), lazy quantifiers, lookaround, `(?i)`. Matching is over the UTF-8 bytes of
/// a `String`; ranges are byte offsets. A match that exceeds PCRE2's backtracking limit is an error, not
/// a hang.
///
/// Immutable after `init` and safe to share: each match gets its own match data.
public final class CompiledRegex: @unchecked Sendable {
    // @unchecked: `code` is only read after compilation; PCRE2 allows one compiled pattern to be
    // matched from many threads at once, each with its own match data.
    private let code: OpaquePointer
    /// The pattern as written.
    public let pattern: String
    /// Capturing groups (not counting the whole match, group 0).
    public let captureCount: Int
    /// Named groups and their numbers, in the pattern's order of numbers.
    public let names: [(name: String, group: Int)]

    /// - Throws: ``RegexError`` with PCRE2's reason and the offset in the pattern where it stopped.
    public init(_ pattern: String) throws(RegexError) {
        var error: Int32 = 0
        var offset = 0
        var source = pattern
        let compiled = source.withUTF8 { utf8 in
            Self.withCChars(utf8) { vigil_pcre2_compile($0, utf8.count, &error, &offset) }
        }
        guard let compiled else {
            throw RegexError(reason: Self.message(error), offset: offset)
        }
        _ = vigil_pcre2_jit_compile(compiled)
        code = compiled
        self.pattern = pattern
        captureCount = Int(vigil_pcre2_capture_count(compiled))
        var names: [(String, Int)] = []
        let count = Int(vigil_pcre2_name_count(compiled))
        let entrySize = Int(vigil_pcre2_name_entry_size(compiled))
        if count > 0, let table = vigil_pcre2_name_table(compiled) {
            for i in 0..<count {
                let entry = table + i * entrySize
                let group = Int(entry[0]) << 8 | Int(entry[1])
                names.append((String(cString: entry + 2), group))
            }
        }
        self.names = names.sorted { $0.1 < $1.1 }
    }

    deinit { vigil_pcre2_code_free(code) }

    /// Whether the regex matches somewhere in `text`.
    public func matches(_ text: String) throws(RegexError) -> Bool {
        try firstMatch(in: text) { _ in () } != nil
    }

    /// Finds the first match in `text` and hands it to `body` (the match's ranges are valid only
    /// there); `nil` when there is none.
    public func firstMatch<R>(in text: String, _ body: (borrowing RegexMatch) throws(RegexError) -> R) throws(RegexError) -> R? {
        guard let data = vigil_pcre2_match_data_create(code) else {
            throw RegexError(reason: "out of memory for the match", offset: nil)
        }
        defer { vigil_pcre2_match_data_free(data) }
        var text = text
        let result: Result<R?, RegexError> = text.withUTF8 { utf8 in
            let rc = Self.withCChars(utf8) { vigil_pcre2_match(code, $0, utf8.count, data) }
            if rc == vigil_pcre2_error_nomatch() { return .success(nil) }
            guard rc >= 0 else { return .failure(RegexError(reason: Self.message(rc), offset: nil)) }
            let ovector = UnsafeBufferPointer(start: vigil_pcre2_ovector(data), count: 2 * (captureCount + 1))
            do throws(RegexError) {
                return .success(try body(RegexMatch(text: utf8, ovector: ovector)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The bytes as C characters; an empty buffer, which may have no address, as a valid pointer.
    private static func withCChars<R>(_ utf8: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<CChar>) -> R) -> R {
        guard let base = utf8.baseAddress else {
            var nul: CChar = 0
            return withUnsafePointer(to: &nul) { body($0) }
        }
        return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { body($0) }
    }

    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { vigil_pcre2_error_message(code, $0.baseAddress!, $0.count) }
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One match: the byte ranges of the whole match (group 0) and of each group.
public struct RegexMatch: ~Copyable {
    let text: UnsafeBufferPointer<UInt8>
    let ovector: UnsafeBufferPointer<Int>

    /// The UTF-8 byte range of `group` in the matched text, `nil` when the group took no part.
    public func range(_ group: Int) -> Range<Int>? {
        guard group >= 0, 2 * group + 1 < ovector.count else { return nil }
        let start = ovector[2 * group]
        let end = ovector[2 * group + 1]
        guard start != vigil_pcre2_unset(), end >= start else { return nil }
        return start..<end
    }

    /// The text of `group`, `nil` when the group took no part.
    public func string(_ group: Int) -> String? {
        guard let range = range(group) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
    }
}

/// A pattern PCRE2 cannot compile, or a match it gave up on.
public struct RegexError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// Byte offset in the pattern where compilation stopped.
    public var offset: Int?

    public var description: String {
        guard let offset else { return reason }
        return "\(reason) at offset \(offset)"
    }
}
