/// A daemon address in the forms every client command accepts:
/// `udp://HOST:PORT`, `tcp://HOST:PORT`, `unix:PATH`, `unix-dgram:PATH`, `http://HOST:PORT`.
public enum SendAddress: Equatable, Sendable, CustomStringConvertible {
    case udp(host: String, port: Int)
    case tcp(host: String, port: Int)
    case unix(path: String)
    case unixDatagram(path: String)
    case http(host: String, port: Int)

    public init?(_ text: String) {
        func hostPort(_ rest: Substring) -> (String, Int)? {
            let trimmed = rest.hasSuffix("/") ? rest.dropLast() : rest
            if trimmed.hasPrefix("[") {
                guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":"),
                    let port = Int(trimmed[trimmed.index(close, offsetBy: 2)...]), (1...65535).contains(port)
                else { return nil }
                return (String(trimmed[trimmed.index(after: trimmed.startIndex)..<close]), port)
            }
            let parts = trimmed.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port)
        }
        if text.hasPrefix("udp://"), let (h, p) = hostPort(text.dropFirst(6)) {
            self = .udp(host: h, port: p)
        } else if text.hasPrefix("tcp://"), let (h, p) = hostPort(text.dropFirst(6)) {
            self = .tcp(host: h, port: p)
        } else if text.hasPrefix("http://"), let (h, p) = hostPort(text.dropFirst(7)) {
            self = .http(host: h, port: p)
        } else if text.hasPrefix("unix-dgram:"), text.count > 11 {
            self = .unixDatagram(path: String(text.dropFirst(11)))
        } else if text.hasPrefix("unix:"), text.count > 5 {
            self = .unix(path: String(text.dropFirst(5)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .udp(let h, let p): return "udp://\(SendAddress.bracket(h)):\(p)"
        case .tcp(let h, let p): return "tcp://\(SendAddress.bracket(h)):\(p)"
        case .http(let h, let p): return "http://\(SendAddress.bracket(h)):\(p)"
        case .unix(let path): return "unix:\(path)"
        case .unixDatagram(let path): return "unix-dgram:\(path)"
        }
    }

    static func bracket(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }

    public static let formsHelp = "udp://HOST:PORT, tcp://HOST:PORT, unix:PATH, unix-dgram:PATH or http://HOST:PORT"
}
