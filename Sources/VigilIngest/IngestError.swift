/// Why a listener could not start or keep serving.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The configuration names an address of the wrong kind (a path for TCP, a port for a Unix socket).
    case unsupportedAddress(listener: String, address: ListenerAddress, expected: String)
    /// The maximum line length is not positive.
    case invalidMaximumLineLength(listener: String, value: Int)
    /// Binding the socket failed.
    case bindFailed(listener: String, address: ListenerAddress, reason: String)
    /// A system call on the listener's socket failed.
    case socketFailed(listener: String, address: ListenerAddress, operation: String, errno: Int32)
    /// A non-socket file is in the way of a Unix socket path.
    case pathInUse(listener: String, path: String)
    /// `run()` ended before the listener was bound.
    case notBound(listener: String)
    /// The socket closed while the listener was serving.
    case closedUnexpectedly(listener: String, address: ListenerAddress)

    public var description: String {
        switch self {
        case .unsupportedAddress(let listener, let address, let expected):
            "Listener '\(listener)' cannot bind to '\(address)': it needs \(expected)."
        case .invalidMaximumLineLength(let listener, let value):
            "Listener '\(listener)' has maximum line length \(value); it must be positive."
        case .bindFailed(let listener, let address, let reason):
            "Listener '\(listener)' could not bind to '\(address)': \(reason)."
        case .socketFailed(let listener, let address, let operation, let errno):
            "Listener '\(listener)' on '\(address)': \(operation) failed with errno \(errno)."
        case .pathInUse(let listener, let path):
            "Listener '\(listener)' cannot create socket '\(path)': a file that is not a socket is in the way."
        case .notBound(let listener):
            "Listener '\(listener)' stopped before it was bound."
        case .closedUnexpectedly(let listener, let address):
            "Listener '\(listener)' on '\(address)' closed its socket unexpectedly."
        }
    }
}
