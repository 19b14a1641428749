/// What a field or parameter name says about its value: `password`, `api_key`, `Authorization` …
///
/// Names are compared normalised: ASCII letters lowercased, everything but letters and digits
/// dropped, trailing digits ignored, so `API_KEY`, `api-key`, `apiKey` and `x-api-key` all end in
/// `apikey`, and `user.password`, `new_password` and `password2` all end in `password`.
struct SensitiveKey: Sendable, Equatable {
    /// The built-in rule that owns the name.
    var rule: BuiltInRedaction
    /// Shortest value (in UTF-8 bytes) that is masked: generic names such as `key` or `next_token`
    /// only hide long values, so `key=value` style settings survive.
    var minimumLength: Int
    /// Free text keeps a leading scheme word (`Authorization: Bearer [REDACTED]`).
    var keepsScheme = false
    /// Free text masks to the end of the line or quote (`Cookie: a=1; b=2`).
    var runsToLineEnd = false

    static let genericMinimumLength = 16
    /// Longest normalised name looked at; longer names are judged by their last characters.
    static let capacity = 40

    /// Classifies a name given as a string (attrs keys, change fields).
    static func classify(_ name: String) -> SensitiveKey? {
        if let result = name.utf8.withContiguousStorageIfAvailable({ classify($0) }) { return result }
        var copy = name
        return copy.withUTF8 { classify($0) }
    }

    /// Classifies a name given as UTF-8 bytes; no allocation.
    static func classify(_ name: UnsafeBufferPointer<UInt8>) -> SensitiveKey? {
        // Cheapest rejection first: the last two letters of every sensitive name are one of a few pairs.
        var last = name.count - 1
        while last >= 0, !isLetter(name[last]) {
            if name[last] >= 0x80 { return nil }
            last -= 1
        }
        var previous = last - 1
        while previous >= 0, !isLetter(name[previous]) { previous -= 1 }
        guard previous >= 0, isCandidate(last: name[last] | 0x20, previous: name[previous] | 0x20) else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            // Fill from the back: suffixes decide.
            var start = capacity
            var i = last
            while i >= 0, start > 0 {
                let byte = name[i]
                if isLetter(byte) {
                    start -= 1
                    buffer[start] = byte | 0x20
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    start -= 1
                    buffer[start] = byte
                }
                i -= 1
            }
            return match(UnsafeBufferPointer(rebasing: buffer[start..<capacity]))
        }
    }

    /// Whether a name ending in these two (lowercase) letters can be sensitive.
    @inline(__always) private static func isCandidate(last: UInt8, previous: UInt8) -> Bool {
        switch (UInt16(previous) << 8) | UInt16(last) {
        case pair("r", "d"), pair("w", "d"), pair("s", "s"), pair("e", "s"), pair("e", "t"), pair("a", "t"),
            pair("i", "e"), pair("s", "e"), pair("d", "e"), pair("r", "e"), pair("o", "n"), pair("e", "n"),
            pair("e", "y"), pair("v", "v"), pair("v", "c"), pair("e", "r"), pair("n", "o"), pair("u", "m"),
            pair("r", "m"), pair("i", "g"):
            return true
        default:
            return false
        }
    }

    @inline(__always) private static func pair(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> UInt16 {
        UInt16(a.value) << 8 | UInt16(b.value)
    }

    @inline(__always) private static func ends(_ n: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard n.count >= count else { return false }
        let base = n.count - count
        let s = suffix.utf8Start
        for k in 0..<count where n[base + k] != s[k] { return false }
        return true
    }

    private static func match(_ n: UnsafeBufferPointer<UInt8>) -> SensitiveKey? {
        @inline(__always) func ends(_ suffix: StaticString) -> Bool { Self.ends(n, suffix) }
        @inline(__always) func exactly(_ word: StaticString) -> Bool {
            n.count == word.utf8CodeUnitCount && Self.ends(n, word)
        }

        let strong = 1
        switch n[n.count - 1] {
        case UInt8(ascii: "d"):
            if ends("password") || ends("passwd") || ends("pwd") {
                return .init(rule: .passwordFields, minimumLength: strong)
            }
            if ends("creditcard") { return .init(rule: .cardNumbers, minimumLength: strong) }
        case UInt8(ascii: "s"):
            if exactly("pass") { return .init(rule: .passwordFields, minimumLength: strong) }
            if ends("cookies") { return .init(rule: .bearerTokens, minimumLength: strong, runsToLineEnd: true) }
        case UInt8(ascii: "t"):
            if ends("secret") || ends("passwordrepeat") { return .init(rule: .passwordFields, minimumLength: strong) }
        case UInt8(ascii: "e"):
            if ends("cookie") { return .init(rule: .bearerTokens, minimumLength: strong, runsToLineEnd: true) }
            if ends("passphrase") || ends("passcode") { return .init(rule: .passwordFields, minimumLength: strong) }
            if ends("securitycode") { return .init(rule: .cardNumbers, minimumLength: strong) }
            if ends("signature") { return .init(rule: .apiKeys, minimumLength: genericMinimumLength) }
        case UInt8(ascii: "n"):
            if ends("authorization") { return .init(rule: .bearerTokens, minimumLength: strong, keepsScheme: true) }
            if ends("passwordconfirmation") { return .init(rule: .passwordFields, minimumLength: strong) }
            if exactly("token") || ends("accesstoken") || ends("refreshtoken") || ends("idtoken") || ends("authtoken")
                || ends("sessiontoken") || ends("bearertoken") || ends("apitoken")
            {
                return .init(rule: .apiKeys, minimumLength: strong)
            }
            if ends("token") { return .init(rule: .apiKeys, minimumLength: genericMinimumLength) }
        case UInt8(ascii: "y"):
            if ends("apikey") || ends("privatekey") || ends("secretkey") || ends("signingkey") || ends("licensekey")
                || ends("encryptionkey")
            {
                return .init(rule: .apiKeys, minimumLength: strong)
            }
            if exactly("key") { return .init(rule: .apiKeys, minimumLength: genericMinimumLength) }
        case UInt8(ascii: "v"), UInt8(ascii: "c"):
            if ends("cvv") || ends("cvc") { return .init(rule: .cardNumbers, minimumLength: strong) }
        case UInt8(ascii: "r"):
            if ends("cardnumber") || ends("ccnumber") { return .init(rule: .cardNumbers, minimumLength: strong) }
        case UInt8(ascii: "o"):
            if ends("cardno") { return .init(rule: .cardNumbers, minimumLength: strong) }
        case UInt8(ascii: "m"):
            if ends("ccnum") { return .init(rule: .cardNumbers, minimumLength: strong) }
            if ends("passwordconfirm") { return .init(rule: .passwordFields, minimumLength: strong) }
        case UInt8(ascii: "g"):
            if exactly("sig") { return .init(rule: .apiKeys, minimumLength: genericMinimumLength) }
        default:
            break
        }
        return nil
    }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")
    }
}
