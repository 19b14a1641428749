/// The built-in redaction rules (`BuiltInRedaction`) as one pass over a string's UTF-8 bytes.
///
/// The loop looks at each byte once through a 256-entry trigger table and only does work on four
/// triggers, so a clean string costs one table load per byte and no allocation:
///
/// ```
/// password=hunter2&user=bob     '=' or ':'  -> is the name before it sensitive? mask the value after
/// "pin": 1234                   (quoted name, bare value: the mask is quoted to keep JSON valid)
/// Authorization: Bearer abc     name with a scheme: keep "Bearer ", mask the credentials
/// 4111 1111 1111 1111           digit at a word start -> run of >= 13 digits, issuer prefix, Luhn
/// Bearer abc…  eyJhbGci….eyJ…   'b'/'B' -> "bearer " + token;  'J' -> "eyJ" + JWT segments
/// ```
///
/// Every cut falls on an ASCII byte, so the output is valid UTF-8 whenever the input is.
struct SecretScanner: Sendable {
    let enabled: BuiltInSet
    let replacement: [UInt8]
    private let triggers: [UInt8]

    init(enabled: BuiltInSet, replacement: [UInt8]) {
        self.enabled = enabled
        self.replacement = replacement
        self.triggers = Trigger.table(for: enabled)
    }

    /// One secret to mask: bytes `start..<end` of the input.
    struct Span {
        var start: Int
        var end: Int
        var rule: BuiltInRedaction
        var style: Style
    }

    enum Style {
        /// Replaced by the replacement text.
        case plain
        /// Replaced by the replacement text in double quotes (a bare JSON value under a quoted name).
        case quoted
        /// A card number: one `*` per digit but the last four, which are kept.
        case card(digits: Int)
    }

    /// The text with every built-in secret masked, or `nil` when it holds none.
    func redact(_ text: String, into report: inout RedactionReport) -> String? {
        if let result = text.utf8.withContiguousStorageIfAvailable({ redact(bytes: $0, into: &report) }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { redact(bytes: $0, into: &report) }
    }

    func redact(bytes p: UnsafeBufferPointer<UInt8>, into report: inout RedactionReport) -> String? {
        var spans: [Span] = []
        findSpans(p, into: &spans)
        guard !spans.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(p.count + 16)
        var position = 0
        for span in spans {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[position..<span.start]))
            switch span.style {
            case .plain:
                out.append(contentsOf: replacement)
            case .quoted:
                out.append(ScanByte.quote)
                out.append(contentsOf: replacement)
                out.append(ScanByte.quote)
            case .card(let digits):
                out.append(contentsOf: repeatElement(UInt8(ascii: "*"), count: digits - 4))
                var lastFour: [UInt8] = []
                var k = span.end - 1
                while lastFour.count < 4, k >= span.start {
                    if ScanByte.isDigit(p[k]) { lastFour.append(p[k]) }
                    k -= 1
                }
                out.append(contentsOf: lastFour.reversed())
            }
            position = span.end
            report.add(1, at: span.rule.index)
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[position...]))
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Scan

    func findSpans(_ p: UnsafeBufferPointer<UInt8>, into spans: inout [Span]) {
        guard let base = p.baseAddress else { return }
        let n = p.count
        triggers.withUnsafeBufferPointer { table in
            var i = 0
            while i < n {
                // Eight bytes at a time while none of them can trigger anything.
                while i + 8 <= n, !Self.mayTrigger(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                }
                let limit = min(n, i + 8)
                while i < limit, table[Int(p[i])] == Trigger.none { i += 1 }
                guard i < limit else { continue }
                let trigger = table[Int(p[i])]
                if trigger == Trigger.digit {
                    var end = i + 1
                    while end < n, ScanByte.isDigit(p[end]) { end += 1 }
                    // Card prefilter: 13 digits in a row, or a group joined to more digits.
                    let joined =
                        end + 1 < n && (p[end] == ScanByte.space || p[end] == ScanByte.dash)
                        && ScanByte.isDigit(p[end + 1])
                    if end - i >= 13 || joined, i == 0 || !ScanByte.isAlphanumeric(p[i - 1]) {
                        i = scanCardRun(p, from: i, into: &spans)
                    } else {
                        i = end
                    }
                    continue
                }
                let span: Span?
                if trigger == Trigger.separator {
                    span = Self.mayFollowName(p, i) ? keyValue(p, separator: i, floor: spans.last?.end ?? 0) : nil
                } else if trigger == Trigger.letterB {
                    span = bearerToken(p, at: i)
                } else {  // "J", as in "eyJ"
                    span = i >= 2 + (spans.last?.end ?? 0) ? webToken(p, at: i - 2) : nil
                }
                if let span {
                    spans.append(span)
                    i = span.end
                } else {
                    i += 1
                }
            }
        }
    }

    /// Cheap test before `keyValue`: a name (ending in a letter, maybe then up to three digits), a
    /// quote, `]` or a space just before the separator. Rejects times and ports (`10:30`, `:8080`).
    @inline(__always) static func mayFollowName(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        var k = i - 1
        while k >= 0, k >= i - 3, ScanByte.isDigit(p[k]) { k -= 1 }
        guard k >= 0 else { return false }
        let b = p[k]
        return ScanByte.isLetter(b)
            || (k == i - 1
                && (b == ScanByte.quote || b == ScanByte.apostrophe || b == ScanByte.space || b == ScanByte.tab
                    || b == UInt8(ascii: "]")))
    }

    /// Whether any of eight bytes may be a trigger: `0`–`9`, `:`, `;`, `<`, `=` (one range), `b`,
    /// `B` or `J`. A superset of every trigger table, so it can only send bytes to the slow path.
    @inline(__always) static func mayTrigger(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let low7 = x & (ones &* 127)
        // Bytes strictly between 0x2F and 0x3E (ASCII only; bytes >= 0x80 never trigger).
        let between = (ones &* (127 + 0x3E) &- low7) & ~x & (low7 &+ ones &* (127 - 0x2F)) & high
        @inline(__always) func hasByte(_ v: UInt64, _ b: UInt8) -> Bool {
            let y = v ^ (ones &* UInt64(b))
            return (y &- ones) & ~y & high != 0
        }
        return between != 0 || hasByte(x | (ones &* 0x20), UInt8(ascii: "b")) || hasByte(x, UInt8(ascii: "J"))
    }

    /// What a byte may start, per byte value; built for the enabled rules.
    enum Trigger {
        static let none: UInt8 = 0
        static let digit: UInt8 = 1
        static let separator: UInt8 = 2
        static let letterB: UInt8 = 3
        static let letterJ: UInt8 = 4

        static func table(for enabled: BuiltInSet) -> [UInt8] {
            var table = [UInt8](repeating: none, count: 256)
            guard !enabled.isEmpty else { return table }
            // Every rule owns some sensitive names, so `=` and `:` always trigger.
            table[Int(UInt8(ascii: "="))] = separator
            table[Int(UInt8(ascii: ":"))] = separator
            if enabled.has(.cardNumbers) {
                for digit in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(digit)] = Trigger.digit }
            }
            if enabled.has(.bearerTokens) {
                table[Int(UInt8(ascii: "b"))] = letterB
                table[Int(UInt8(ascii: "B"))] = letterB
                table[Int(UInt8(ascii: "J"))] = letterJ
            }
            return table
        }
    }

    /// `name=value`, `name: value`, `"name":"value"`, `\"name\":\"value\"`, `user[name]=value` at the
    /// separator `i`, when the name is sensitive and its rule is on.
    private func keyValue(_ p: UnsafeBufferPointer<UInt8>, separator i: Int, floor: Int) -> Span? {
        let n = p.count
        var k = i
        while k > floor, p[k - 1] == ScanByte.space || p[k - 1] == ScanByte.tab, i - k < 4 { k -= 1 }
        var quotedName = false
        if k > floor, p[k - 1] == ScanByte.quote || p[k - 1] == ScanByte.apostrophe {
            quotedName = p[k - 1] == ScanByte.quote
            k -= 1
            if k > floor, p[k - 1] == ScanByte.backslash { k -= 1 }
        } else if k > floor, p[k - 1] == UInt8(ascii: "]") {
            k -= 1
        }
        let nameEnd = k
        while k > floor, ScanByte.isNameByte(p[k - 1]), nameEnd - k < 64 { k -= 1 }
        guard k < nameEnd, k == 0 || !ScanByte.isNameByte(p[k - 1]),
            let key = SensitiveKey.classify(UnsafeBufferPointer(rebasing: p[k..<nameEnd])), enabled.has(key.rule)
        else { return nil }

        var v = i + 1
        // `password == x` (code, SQL): the second `=` is part of the separator; `password==x` keeps it in the value.
        if p[i] == UInt8(ascii: "="), v + 1 < n, p[v] == UInt8(ascii: "="), p[v + 1] == ScanByte.space { v += 1 }
        var skipped = 0
        while v < n, p[v] == ScanByte.space || p[v] == ScanByte.tab, skipped < 8 {
            v += 1
            skipped += 1
        }
        guard v < n else { return nil }
        var start = v
        var end: Int
        var quotedValue = true
        if p[v] == ScanByte.backslash, v + 1 < n, p[v + 1] == ScanByte.quote {
            // A JSON document escaped inside another string: \"value\".
            start = v + 2
            end = start
            while end < n, !(p[end] == ScanByte.backslash && end + 1 < n && p[end + 1] == ScanByte.quote) { end += 1 }
        } else if p[v] == ScanByte.quote || p[v] == ScanByte.apostrophe {
            let quote = p[v]
            start = v + 1
            end = start
            while end < n, p[end] != quote { end += p[end] == ScanByte.backslash ? 2 : 1 }
            end = min(end, n)
        } else if p[v] == UInt8(ascii: "{") || p[v] == UInt8(ascii: "[") {
            return nil  // a structured value: the names inside it are scanned on their own
        } else {
            quotedValue = false
            if key.keepsScheme { start = Self.afterScheme(p, from: v, to: n) }
            end = start
            if key.runsToLineEnd {
                while end < n, p[end] != ScanByte.cr, p[end] != ScanByte.lf, p[end] != ScanByte.quote { end += 1 }
                while end > start, p[end - 1] == ScanByte.space { end -= 1 }
            } else {
                while end < n, !ScanByte.endsBareValue(p[end]) { end += 1 }
            }
        }
        if quotedValue, key.keepsScheme { start = Self.afterScheme(p, from: start, to: end) }
        guard end - start >= max(1, key.minimumLength), !startsWithReplacement(p, at: start) else { return nil }
        if !quotedValue, ScanByte.isJSONLiteral(UnsafeBufferPointer(rebasing: p[start..<end])) { return nil }
        let style: Style = quotedName && !quotedValue && p[i] == UInt8(ascii: ":") ? .quoted : .plain
        return Span(start: start, end: end, rule: key.rule, style: style)
    }

    /// Where the credentials start in `Bearer abc` / `Basic abc`; `start` itself when there is no scheme word.
    private static func afterScheme(_ p: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var s = start
        while s < end, SensitiveKey.isLetter(p[s]) { s += 1 }
        guard s > start, s < end, p[s] == ScanByte.space else { return start }
        var t = s
        while t < end, p[t] == ScanByte.space { t += 1 }
        return t < end && !ScanByte.endsBareValue(p[t]) ? t : start
    }

    /// `Bearer <token>` anywhere (case-insensitive), token of at least 8 bytes.
    private func bearerToken(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> Span? {
        let n = p.count
        guard i + 7 < n, i == 0 || !ScanByte.isAlphanumeric(p[i - 1]), p[i + 6] == ScanByte.space,
            p[i + 1] | 0x20 == UInt8(ascii: "e"), p[i + 2] | 0x20 == UInt8(ascii: "a"),
            p[i + 3] | 0x20 == UInt8(ascii: "r"), p[i + 4] | 0x20 == UInt8(ascii: "e"),
            p[i + 5] | 0x20 == UInt8(ascii: "r")
        else { return nil }
        var start = i + 7
        while start < n, p[start] == ScanByte.space { start += 1 }
        var end = start
        while end < n, ScanByte.isTokenByte(p[end]) { end += 1 }
        guard end - start >= 8, !startsWithReplacement(p, at: start) else { return nil }
        return Span(start: start, end: end, rule: .bearerTokens, style: .plain)
    }

    /// A JSON Web Token anywhere: `eyJ<header>.<payload>.<signature>`, base64url segments.
    private func webToken(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> Span? {
        let n = p.count
        guard i + 2 < n, p[i] == UInt8(ascii: "e"), p[i + 1] == UInt8(ascii: "y"), p[i + 2] == UInt8(ascii: "J"),
            i == 0 || !ScanByte.isBase64URL(p[i - 1])
        else { return nil }
        var end = i
        while end < n, ScanByte.isBase64URL(p[end]) { end += 1 }
        guard end - i >= 10, end < n, p[end] == UInt8(ascii: ".") else { return nil }
        end += 1
        let payload = end
        while end < n, ScanByte.isBase64URL(p[end]) { end += 1 }
        guard end - payload >= 10, end < n, p[end] == UInt8(ascii: ".") else { return nil }
        end += 1
        while end < n, ScanByte.isBase64URL(p[end]) { end += 1 }
        return Span(start: i, end: end, rule: .bearerTokens, style: .plain)
    }

    private func startsWithReplacement(_ p: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard !replacement.isEmpty, start + replacement.count <= p.count else { return false }
        for k in 0..<replacement.count where p[start + k] != replacement[k] { return false }
        return true
    }
}
