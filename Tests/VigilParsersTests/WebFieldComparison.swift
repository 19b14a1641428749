import Foundation
import VigilCore
import VigilParsers

/// FIELDS.md's flat vocabulary for access, error and HAProxy logs, mapped onto event fields.
enum WebFieldComparison {
    /// Keys peers assert that are not ours to compare: peer-specific extras.
    static let skipped: Set<String> = ["extra"]

    /// Keys that are top-level event fields.
    static func actual(_ event: AuditEvent, _ key: String) -> JSONValue? {
        switch key {
        case "client_ip": return event.ip.map(JSONValue.string)
        case "client_address": return (event.ip ?? event.attrs["client_domain"]?.stringValue).map(JSONValue.string)
        case "client_ip_list": return event.attrs["client_ip_list"] ?? event.ip.map { .array([.string($0)]) }
        case "user": return event.actor.map(JSONValue.string)
        case "method": return event.method.map(JSONValue.string)
        case "url": return event.url.map(JSONValue.string)
        case "status": return event.status.map { .int(Int64($0)) }
        case "bytes", "bytes_read": return event.bytes.map(JSONValue.int)
        case "user_agent": return event.userAgent.map(JSONValue.string)
        case "message": return event.message.map(JSONValue.string)
        case "appname": return event.app.map(JSONValue.string)
        case "hostname": return event.host.map(JSONValue.string)
        case "procid": return event.attrs["syslog"]?["procid"]
        case "outcome": return event.outcome.map(JSONValue.string)
        default: return event.attrs[key]
        }
    }

    /// `key: expected != actual` for every asserted key that differs.
    static func mismatches(_ event: AuditEvent, _ expected: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        for key in expected.keys.sorted() where !skipped.contains(key) {
            let want = expected[key] ?? .null
            switch key {
            case "timestamp":
                guard let text = want.stringValue, let instant = Timestamp.parse(text) else {
                    problems.append("timestamp: unreadable expectation \(want)")
                    continue
                }
                let unit = precisionUnit(text)
                if instant.microseconds / unit != event.time.microseconds / unit {
                    problems.append("timestamp: expected \(text), got \(event.time)")
                }
            case "timestamp_local":
                // The route zone is UTC in these tests, so the wall-clock reading is the UTC rendering.
                guard let text = want.stringValue, event.time.rfc3339.hasPrefix(text) else {
                    problems.append("timestamp_local: expected \(want), got \(event.time)")
                    continue
                }
            default:
                let got = actual(event, key)
                if !equivalent(want, got) { problems.append("\(key): expected \(want), got \(got.map { "\($0)" } ?? "nil")") }
            }
        }
        return problems
    }

    /// `"-"` equals absent; numbers and numeric text compare by value; arrays element-wise.
    static func equivalent(_ want: JSONValue, _ got: JSONValue?) -> Bool {
        if want == .string("-") || want == .null { return got == nil || got == .string("-") }
        guard let got else { return false }
        switch (want, got) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equivalent($0, $1) }
        case (.object, _), (_, .object), (.array, _), (_, .array):
            return want == got
        default:
            return want.scalarText == got.scalarText
        }
    }

    /// Microseconds per unit of the fractional digits given (`.000` → milliseconds).
    static func precisionUnit(_ text: String) -> Int64 {
        guard let dot = text.firstIndex(of: ".") else { return 1_000_000 }
        let digits = text[text.index(after: dot)...].prefix(while: \.isNumber).count
        return Int64([1_000_000, 100_000, 10_000, 1_000, 100, 10, 1][min(digits, 6)])
    }
}
