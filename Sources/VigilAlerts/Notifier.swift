import Dispatch
import VigilCore

/// Something that tells a person or a system about an alert: one file per kind, one line in
/// ``NotifierRegistry``.
///
/// `send` may block on the network or a child process; implementations run the blocking part with
/// ``NotifierOptions/runBlocking(_:)`` so Swift's cooperative threads stay free, and bound it with
/// their `timeout`.
public protocol Notifier: Sendable {
    /// Name used in configuration (`type: email`).
    static var kind: String { get }
    /// The configured name rules refer to (`notify: [ops-mail]`).
    var name: String { get }
    init(name: String, options: NotifierOptions) throws(AlertError)
    /// One delivery attempt.
    func send(_ alert: Alert) async throws(AlertError)
}

/// A notifier's options from configuration, with typed access that names the offending key.
public struct NotifierOptions: Sendable {
    public let name: String
    public let values: [String: JSONValue]

    public init(name: String, values: [String: JSONValue]) {
        self.name = name
        self.values = values
    }

    func fail(_ key: String, _ reason: String) -> AlertError { .invalidNotifier(notifier: name, field: key, reason: reason) }

    /// Rejects keys the notifier does not know.
    public func allowOnly(_ keys: [String]) throws(AlertError) {
        for key in values.keys.sorted() where !keys.contains(key) {
            throw fail(key, "unknown key; known keys: \(keys.joined(separator: ", "))")
        }
    }

    public func string(_ key: String) throws(AlertError) -> String? {
        guard let value = values[key] else { return nil }
        guard let text = value.scalarText else { throw fail(key, "expected a single value") }
        return text
    }

    public func requiredString(_ key: String) throws(AlertError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw fail(key, "is required") }
        return text
    }

    /// A list of strings; a single value counts as a list of one.
    public func strings(_ key: String) throws(AlertError) -> [String]? {
        guard let value = values[key] else { return nil }
        if let text = value.scalarText { return [text] }
        guard let items = value.arrayValue else { throw fail(key, "expected a list") }
        var out: [String] = []
        for item in items {
            guard let text = item.scalarText else { throw fail(key, "expected a list of values") }
            out.append(text)
        }
        return out
    }

    public func bool(_ key: String) throws(AlertError) -> Bool? {
        guard let value = values[key] else { return nil }
        switch value {
        case .bool(let b): return b
        case .string(let s) where ["true", "yes", "on"].contains(s.lowercased()): return true
        case .string(let s) where ["false", "no", "off"].contains(s.lowercased()): return false
        default: throw fail(key, "expected true or false")
        }
    }

    /// Seconds, from `30s`, `500ms`, `2m` or a plain number.
    public func seconds(_ key: String) throws(AlertError) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let seconds = Self.seconds(text) else {
            throw fail(key, "expected a duration such as 500ms, 10s or 2m, got '\(text)'")
        }
        return seconds
    }

    static func seconds(_ text: String) -> Double? {
        for (suffix, factor) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where text.hasSuffix(suffix) {
            if suffix == "s" && text.hasSuffix("ms") { continue }
            if suffix == "m" && text.hasSuffix("ms") { continue }
            return Double(text.dropLast(suffix.count)).flatMap { $0 >= 0 ? $0 * factor : nil }
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// `HOST:PORT` (`[::1]:PORT` for IPv6).
    public func hostPort(_ key: String, defaultPort: Int? = nil) throws(AlertError) -> (host: String, port: Int)? {
        guard let text = try string(key) else { return nil }
        guard let parsed = Self.hostPort(text, defaultPort: defaultPort) else {
            throw fail(key, "expected HOST:PORT, got '\(text)'")
        }
        return parsed
    }

    static func hostPort(_ text: String, defaultPort: Int?) -> (host: String, port: Int)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty, let defaultPort { return (host, defaultPort) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, let defaultPort, !text.isEmpty { return (text, defaultPort) }
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
            return nil
        }
        return (String(parts[0]), port)
    }

    /// Runs blocking work on its own dispatch thread, off Swift's cooperative pool.
    public static func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws(AlertError) -> T)
        async throws(AlertError) -> T
    {
        let result: Result<T, AlertError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(AlertError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
