import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// UI users and API tokens, kept hashed in `DATA_DIR/access/access.json` (mode 0600).
///
/// The CLI (`vigil user add`, `vigil token create`) and the daemon share the file: changes are
/// written under an exclusive lock to a temporary file and renamed into place, and the daemon
/// re-reads the file whenever its modification time changes, so a new user can log in at once.
public final class AccessStore: Sendable {
    public let directory: String
    private let state = Mutex<Loaded>(Loaded())
    /// The SHA-256 of the daemon's local token (see ``issueLocalToken()``).
    private let localDigest = Mutex<String?>(nil)

    struct Loaded {
        var file = AccessFile()
        var stamp: FileStamp?
        var tokensByDigest: [String: AccessFile.Token] = [:]
    }

    struct FileStamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int64
        var inode: UInt64
    }

    public struct UserInfo: Sendable, Equatable {
        public var name: String
        public var role: Role
        public var created: String
    }

    public struct TokenInfo: Sendable, Equatable {
        public var name: String
        public var role: Role
        public var created: String
        /// The first characters of the secret, to tell tokens apart in a listing.
        public var hint: String
    }

    public init(directory: String) throws(AccessError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
    }

    /// `DATA_DIR/access`.
    public static func directory(dataDirectory: String) -> String { dataDirectory + "/access" }

    var filePath: String { directory + "/access.json" }
    public var localTokenPath: String { directory + "/local.token" }
    public var initialPasswordPath: String { directory + "/initial-admin-password" }

    // MARK: Authentication

    /// The principal of a bearer token, or `nil`.
    public func authenticate(token: String) -> Principal? {
        let digest = PasswordHasher.sha256Hex(token)
        if let local = localDigest.withLock({ $0 }), PasswordHasher.constantTimeEqual(Array(digest.utf8), Array(local.utf8)) {
            return Principal(name: "local", role: .admin, kind: .local)
        }
        guard let found = current().tokensByDigest[digest] else { return nil }
        return Principal(name: found.name, role: found.role, kind: .token)
    }

    /// The principal of a UI login, or `nil` (unknown user and wrong password take the same time).
    public func authenticate(user name: String, password: String) -> Principal? {
        let user = current().file.users.first { $0.name == name }
        guard let user else {
            _ = PasswordHasher.verify(password, against: Self.decoy)
            return nil
        }
        guard PasswordHasher.verify(password, against: user.password) else { return nil }
        return Principal(name: user.name, role: user.role, kind: .user)
    }

    /// A hash checked when the user does not exist, so that timing does not tell names apart.
    private static let decoy = PasswordHasher.hash(PasswordHasher.randomToken())

    // MARK: Changes (CLI)

    public func addUser(_ name: String, password: String, role: Role) throws(AccessError) {
        try Self.checkName(name)
        try Self.checkPassword(password)
        let hash = PasswordHasher.hash(password)
        try update { file throws(AccessError) in
            guard !file.users.contains(where: { $0.name == name }) else { throw .alreadyExists(name) }
            file.users.append(.init(name: name, role: role, password: hash, created: Self.now()))
        }
    }

    public func setPassword(_ name: String, password: String) throws(AccessError) {
        try Self.checkPassword(password)
        let hash = PasswordHasher.hash(password)
        try update { file throws(AccessError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            file.users[index].password = hash
        }
    }

    public func setRole(_ name: String, role: Role) throws(AccessError) {
        try update { file throws(AccessError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            file.users[index].role = role
        }
    }

    public func removeUser(_ name: String) throws(AccessError) {
        try update { file throws(AccessError) in
            guard file.users.contains(where: { $0.name == name }) else { throw .notFound(name) }
            file.users.removeAll { $0.name == name }
        }
    }

    /// Creates a token and returns its secret, which is not stored and cannot be shown again.
    public func createToken(name: String, role: Role) throws(AccessError) -> String {
        try Self.checkName(name)
        let secret = "vgl_" + PasswordHasher.randomToken()
        try update { file throws(AccessError) in
            guard !file.tokens.contains(where: { $0.name == name }) else { throw .alreadyExists(name) }
            file.tokens.append(
                .init(name: name, role: role, digest: PasswordHasher.sha256Hex(secret), created: Self.now(),
                      hint: String(secret.prefix(10))))
        }
        return secret
    }

    public func revokeToken(_ name: String) throws(AccessError) {
        try update { file throws(AccessError) in
            guard file.tokens.contains(where: { $0.name == name }) else { throw .notFound(name) }
            file.tokens.removeAll { $0.name == name }
        }
    }

    public func users() -> [UserInfo] {
        current().file.users.map { UserInfo(name: $0.name, role: $0.role, created: $0.created) }
    }

    public func tokens() -> [TokenInfo] {
        current().file.tokens.map { TokenInfo(name: $0.name, role: $0.role, created: $0.created, hint: $0.hint) }
    }

    // MARK: Daemon start-up

    /// Writes a new random admin token to `local.token` (0600) for CLI commands on this host;
    /// replaced at every start, valid only while this daemon runs.
    @discardableResult
    public func issueLocalToken() throws(AccessError) -> String {
        let secret = "vgl_local_" + PasswordHasher.randomToken()
        try Self.writeSecretFile(localTokenPath, secret + "\n")
        localDigest.withLock { $0 = PasswordHasher.sha256Hex(secret) }
        return secret
    }

    /// With no users at all, creates `admin` with a random password written to
    /// `initial-admin-password` (0600) and returns that path; otherwise `nil`.
    public func bootstrapAdminIfEmpty() throws(AccessError) -> String? {
        guard current().file.users.isEmpty else { return nil }
        let password = PasswordHasher.randomToken(bytes: 15)
        do {
            try addUser("admin", password: password, role: .admin)
        } catch .alreadyExists {
            return nil
        }
        try Self.writeSecretFile(initialPasswordPath, password + "\n")
        return initialPasswordPath
    }

    /// The secret in a token file (`local.token`), if readable.
    public static func readTokenFile(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    // MARK: File handling

    private func current() -> Loaded {
        let stamp = Self.stamp(filePath)
        if let cached = state.withLock({ $0.stamp == stamp && stamp != nil ? $0 : nil }) { return cached }
        var loaded = Loaded()
        loaded.stamp = stamp
        loaded.file = (try? Self.read(filePath)) ?? AccessFile()
        for token in loaded.file.tokens { loaded.tokensByDigest[token.digest] = token }
        state.withLock { $0 = loaded }
        return loaded
    }

    private func update(_ change: (inout AccessFile) throws(AccessError) -> Void) throws(AccessError) {
        let lockPath = directory + "/access.lock"
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw .io("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        var file: AccessFile
        do {
            file = try Self.read(filePath) ?? AccessFile()
        } catch {
            throw .io("cannot read \(filePath): \(error)")
        }
        try change(&file)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do {
            data = try encoder.encode(file)
        } catch {
            throw .io("cannot encode \(filePath): \(error)")
        }
        try Self.writeSecretFile(filePath, String(decoding: data, as: UTF8.self) + "\n")
    }

    private static func read(_ path: String) throws -> AccessFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(AccessFile.self, from: data)
    }

    /// Temporary file (0600), fsync, rename: readers see the old or the new file, never half.
    static func writeSecretFile(_ path: String, _ text: String) throws(AccessError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .io("cannot write \(path): \(reason)")
        }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileStamp(
            seconds: Int(status.st_mtim.tv_sec), nanoseconds: Int(status.st_mtim.tv_nsec), size: Int64(status.st_size),
            inode: UInt64(status.st_ino))
    }

    static func checkName(_ name: String) throws(AccessError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains) else { throw .invalidName(name) }
    }

    static func checkPassword(_ password: String) throws(AccessError) {
        guard password.count >= 10 else { throw .weakPassword("use at least 10 characters") }
        guard password.utf8.count <= 1024 else { throw .weakPassword("longer than 1024 bytes") }
    }

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date())
    }
}

/// The JSON shape of `access.json`.
struct AccessFile: Codable, Sendable {
    var users: [User] = []
    var tokens: [Token] = []

    struct User: Codable, Sendable {
        var name: String
        var role: Role
        var password: PasswordHasher.Hash
        var created: String
    }

    struct Token: Codable, Sendable {
        var name: String
        var role: Role
        /// SHA-256 of the secret, hex: the secret itself is never stored.
        var digest: String
        var created: String
        var hint: String
    }
}
