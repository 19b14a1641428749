/// What a person or program may do through the HTTP API and the web UI. Nothing can edit or
/// delete events; `admin` adds the admin pages and archive rotation.
public enum Role: String, Sendable, Codable, CaseIterable {
    case viewer
    case admin

    /// Whether this role may reach something that needs `needed`.
    public func allows(_ needed: Role) -> Bool { self == .admin || needed == .viewer }
}

/// Who made a request: a UI login, an API token, or the daemon's own local token (CLI on the host).
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case user
        case token
        /// `DATA_DIR/access/local.token`: whoever can read the data directory can read the store anyway.
        case local
    }

    public var name: String
    public var role: Role
    public var kind: Kind

    public init(name: String, role: Role, kind: Kind) {
        self.name = name
        self.role = role
        self.kind = kind
    }
}

/// Why an access change was refused.
public enum AccessError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName(String)
    case alreadyExists(String)
    case notFound(String)
    case weakPassword(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid name '\(name)': use 1-64 letters, digits, '.', '_', '-' or '@'"
        case .alreadyExists(let name): "'\(name)' already exists"
        case .notFound(let name): "no such user or token: '\(name)'"
        case .weakPassword(let reason): "password rejected: \(reason)"
        case .io(let message): message
        }
    }
}
