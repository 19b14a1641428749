import Foundation
import VigilCore
import VigilParsers

/// FIELDS.md comparison rules for the syslog envelope.
enum SyslogComparison {
    static let envelopeKeys = [
        "priority", "facility", "severity", "version", "timestamp", "hostname", "appname", "procid", "msgid",
        "structured_data", "message",
    ]

    static func actual(_ message: SyslogMessage, _ key: String) -> JSONValue? {
        func int(_ value: Int?) -> JSONValue? { value.map { .int(Int64($0)) } }
        func text(_ value: String?) -> JSONValue? { value.map(JSONValue.string) }
        switch key {
        case "priority": return int(message.priority)
        case "facility": return int(message.facility)
        case "severity": return int(message.severity)
        case "version": return int(message.version)
        case "hostname": return text(message.hostname)
        case "appname": return text(message.appName)
        case "procid": return text(message.procID)
        case "msgid": return text(message.msgID)
        case "message": return message.message.isEmpty ? JSONValue?.none : .string(message.message)
        case "structured_data": return message.structuredData.isEmpty ? JSONValue?.none : message.structuredDataJSON
        case "timestamp": return message.timestamp.map { .string($0.rfc3339) }
        default: return nil
        }
    }

    /// Keys whose value differs, as `key: expected != actual`.
    static func mismatches(
        _ message: SyslogMessage, _ expected: [String: JSONValue], absentMeansNil: Bool, bytes: [UInt8],
        ignoring ignored: Set<String> = []
    ) -> [String] {
        var problems: [String] = []
        for (key, value) in expected where !ignored.contains(key) {
            if let problem = compare(message, key, value, bytes: bytes) { problems.append(problem) }
        }
        if absentMeansNil {
            for key in envelopeKeys where expected[key] == nil && !ignored.contains(key) {
                if key == "message" && expected["message_base64"] != nil { continue }
                if key == "timestamp" && (expected["timestamp_noyear"] != nil || expected["timestamp_local"] != nil) {
                    continue
                }
                if let value = actual(message, key) { problems.append("\(key): expected nil, got \(value)") }
            }
        }
        return problems
    }

    static func compare(_ message: SyslogMessage, _ key: String, _ value: JSONValue, bytes: [UInt8]) -> String? {
        switch key {
        case "timestamp":
            guard let text = value.stringValue, let want = Timestamp.parse(text),
                let got = message.timestamp
            else { return "timestamp: expected \(value), got \(String(describing: message.timestamp))" }
            let digits = fractionDigits(text)
            let unit = Int64([1_000_000, 100_000, 10_000, 1_000, 100, 10, 1][min(digits, 6)])
            return want.microseconds / unit == got.microseconds / unit ? nil : "timestamp: expected \(text), got \(got)"
        case "timestamp_local", "timestamp_noyear":
            guard let text = value.stringValue, let got = message.timestamp else {
                return "\(key): expected \(value), got nil"
            }
            let rendered = got.rfc3339
            let actual = key == "timestamp_local" ? rendered : String(rendered.dropFirst(5))
            let ok = actual.hasPrefix(text) && message.timestampLacksZone
                && (key == "timestamp_local" || message.timestampLacksYear)
            return ok ? nil : "\(key): expected \(text), got \(rendered)"
        case "message":
            var want = value.stringValue ?? ""
            if want.hasPrefix("\u{FEFF}") { want.removeFirst() }
            let got = message.message
            return want == got ? nil : "message: expected \(want.debugDescription), got \(got.debugDescription)"
        case "message_base64":
            guard let raw = value.stringValue.flatMap({ Data(base64Encoded: $0) }) else { return "bad base64" }
            let want = String(decoding: raw, as: UTF8.self)
            return want == message.message ? nil : "message: expected \(want.debugDescription), got \(message.message.debugDescription)"
        case "priority", "facility", "severity", "version", "hostname", "appname", "procid", "msgid",
            "structured_data":
            let got = actual(message, key)
            if value == .string("-") && got == nil { return nil }
            return got == value ? nil : "\(key): expected \(value), got \(String(describing: got))"
        default:
            return nil  // not an envelope field (user, source_ip, extra ...)
        }
    }

    static func fractionDigits(_ text: String) -> Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text[text.index(after: dot)...].prefix { $0.isNumber }.count
    }
}
