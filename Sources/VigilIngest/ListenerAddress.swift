/// Where a listener binds, or where it ended up bound.
public enum ListenerAddress: Sendable, Hashable, CustomStringConvertible {
    /// An IP address (`127.0.0.1`, `::1`, `0.0.0.0`, `::`) or host name, and a port (`0` picks a free one).
    case inet(host: String, port: Int)
    /// A Unix socket path.
    case unix(path: String)

    /// The port of an `inet` address.
    public var port: Int? {
        if case .inet(_, let port) = self { return port }
        return nil
    }

    /// The path of a `unix` address.
    public var path: String? {
        if case .unix(let path) = self { return path }
        return nil
    }

    /// `127.0.0.1:5140`, `[::1]:5140`, or the path.
    public var description: String {
        switch self {
        case .inet(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): path
        }
    }
}
