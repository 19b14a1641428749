import VigilCore
import Yams

/// Typed access to YAML nodes that turns every mismatch into a located `ConfigurationFileError`.
struct NodeReader {
    let file: String

    func error(_ node: Node?, _ field: String, _ reason: String) -> ConfigurationFileError {
        ConfigurationFileError(
            file: file, line: node?.mark.map { $0.line }, column: node?.mark.map { $0.column }, field: field,
            reason: reason)
    }

    func mapping(_ node: Node, _ field: String) throws(ConfigurationFileError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, field, "expected a mapping (key: value)") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error(key, field, "keys must be plain words") }
            if result[name] != nil { throw error(key, join(field, name), "the key appears twice") }
            result[name] = value
        }
        return result
    }

    /// Rejects unknown keys, naming the closest known one.
    func allowOnly(_ mapping: [String: Node], _ known: [String], in field: String) throws(ConfigurationFileError) {
        for (key, node) in mapping where !known.contains(key) {
            let hint = known.min { distance($0, key) < distance($1, key) }.map { " (did you mean '\($0)'?)" } ?? ""
            throw error(node, join(field, key), "unknown key\(hint); known keys: \(known.joined(separator: ", "))")
        }
    }

    func sequence(_ node: Node, _ field: String) throws(ConfigurationFileError) -> [Node] {
        guard let sequence = node.sequence else { throw error(node, field, "expected a list") }
        return Array(sequence)
    }

    func string(_ node: Node, _ field: String) throws(ConfigurationFileError) -> String {
        guard let scalar = node.scalar else { throw error(node, field, "expected a single value") }
        return scalar.string
    }

    func int(_ node: Node, _ field: String, min: Int, max: Int) throws(ConfigurationFileError) -> Int {
        let text = try string(node, field)
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(node, field, "expected a whole number, got '\(text)'")
        }
        guard value >= min && value <= max else { throw error(node, field, "must be between \(min) and \(max), got \(value)") }
        return value
    }

    func bool(_ node: Node, _ field: String) throws(ConfigurationFileError) -> Bool {
        let text = try string(node, field)
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, field, "expected true or false, got '\(text)'")
        }
    }

    func oneOf(_ node: Node, _ field: String, _ allowed: [String]) throws(ConfigurationFileError) -> String {
        let text = try string(node, field)
        guard allowed.contains(text) else {
            throw error(node, field, "'\(text)' is not one of: \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// `30s`, `50ms`, `15m`, `2h`, `7d`, or a number of seconds.
    func duration(_ node: Node, _ field: String, min: Double) throws(ConfigurationFileError) -> Double {
        let text = try string(node, field)
        guard let seconds = DurationText.seconds(text) else {
            throw error(node, field, "expected a duration such as 50ms, 30s, 15m, 2h or 7d, got '\(text)'")
        }
        guard seconds >= min else { throw error(node, field, "must be at least \(min) seconds") }
        return seconds
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (all interfaces).
    func hostPort(_ node: Node, _ field: String) throws(ConfigurationFileError) -> (String, Int) {
        let text = try string(node, field)
        guard let parsed = HostPort.parse(text) else {
            throw error(node, field, "expected HOST:PORT such as 127.0.0.1:5514 or [::1]:5514, got '\(text)'")
        }
        return parsed
    }

    func json(_ node: Node, _ field: String) throws(ConfigurationFileError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let i = Int64(scalar.string) { return .int(i) }
                if let d = Double(scalar.string), scalar.string.contains(".") { return .double(d) }
                if scalar.string == "true" { return .bool(true) }
                if scalar.string == "false" { return .bool(false) }
                if scalar.string == "null" || scalar.string == "~" { return .null }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var out: [JSONValue] = []
            for (i, item) in sequence.enumerated() { out.append(try json(item, "\(field)[\(i)]")) }
            return .array(out)
        case .mapping:
            var out: [String: JSONValue] = [:]
            for (key, value) in try mapping(node, field) { out[key] = try json(value, join(field, key)) }
            return .object(out)
        }
    }

    private func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "." + b }

    private func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let current = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// Parses `HOST:PORT` address text.
public enum HostPort {
    public static func parse(_ text: String) -> (String, Int)? {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            if host.contains(":") { return nil }
            portText = text[text.index(after: colon)...]
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}

/// Durations written as `50ms`, `30s`, `15m`, `2h`, `7d`, `2w` or plain seconds.
public enum DurationText {
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s" && number.hasSuffix("m") { continue }
            guard let value = Double(number), value >= 0 else { return nil }
            return value * factor
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
