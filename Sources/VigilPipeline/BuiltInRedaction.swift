/// The redaction rules Vigil applies to every event unless configuration turns them off by name.
///
/// Each is a hand-written scanner over UTF-8 bytes (no regex) with a cheap trigger, because it runs
/// on every event of the ingest path:
///
/// - `password_fields`: `password=…`, `"passwd":"…"`, `pwd: …`, `secret=…` in free text and query
///   strings, and attrs or change names of that family → `password=[REDACTED]`.
/// - `bearer_tokens`: `Authorization: Bearer …` / `Basic …` (the scheme is kept), `Cookie:` headers,
///   `Bearer <token>` and JWTs (`eyJ….eyJ….sig`) anywhere; `authorization` and `cookie` names.
/// - `api_keys`: `token=`, `api_key=`, `apikey=`, `access_token=`, `refresh_token=`, `x-api-key:` …;
///   generic `key=`, `*_token=`, `signature=` only when the value has at least 16 bytes.
/// - `card_numbers`: 13–19 digits, optionally grouped by single spaces or dashes, with a card-issuer
///   prefix and a valid Luhn check digit → `************1111`; `card_number` and `cvv` names.
public enum BuiltInRedaction: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case passwordFields = "password_fields"
    case bearerTokens = "bearer_tokens"
    case apiKeys = "api_keys"
    case cardNumbers = "card_numbers"

    /// Position in `Redactor.ruleNames` and `RedactionReport.counts`: built-ins come first, in this order.
    public var index: Int {
        switch self {
        case .passwordFields: return 0
        case .bearerTokens: return 1
        case .apiKeys: return 2
        case .cardNumbers: return 3
        }
    }

    /// The name used in configuration and metrics, e.g. `"card_numbers"`.
    public var description: String { rawValue }
}

/// A set of built-in rules, one bit each.
struct BuiltInSet: OptionSet, Sendable {
    let rawValue: UInt8

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ rule: BuiltInRedaction) { rawValue = 1 << UInt8(rule.index) }

    static let all = BuiltInSet(rawValue: 0x0F)

    @inline(__always) func has(_ rule: BuiltInRedaction) -> Bool { contains(BuiltInSet(rule)) }
}
