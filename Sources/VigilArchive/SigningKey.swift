import Crypto
import Foundation
import VigilCore

/// Ed25519 keys for manifests and checkpoints, stored as one line of hex. The private key lives
/// outside the data directory; `vigil verify --public-key` needs only the public one.
public enum SigningKeys {
    /// Creates a key pair at `PREFIX.key` (mode 0600) and `PREFIX.pub`.
    public static func generate(prefix: String) throws(ArchiveError) -> (privatePath: String, publicPath: String) {
        let key = Curve25519.Signing.PrivateKey()
        let privatePath = prefix + ".key"
        let publicPath = prefix + ".pub"
        try write(hex(key.rawRepresentation) + "\n", to: privatePath, mode: 0o600)
        try write(hex(key.publicKey.rawRepresentation) + "\n", to: publicPath, mode: 0o644)
        return (privatePath, publicPath)
    }

    public static func loadPrivate(_ path: String) throws(ArchiveError) -> Curve25519.Signing.PrivateKey {
        let bytes = try readHex(path)
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        } catch {
            throw .key(path: path, reason: "not an Ed25519 private key: \(error)")
        }
    }

    public static func loadPublic(_ path: String) throws(ArchiveError) -> Curve25519.Signing.PublicKey {
        let bytes = try readHex(path)
        do {
            return try Curve25519.Signing.PublicKey(rawRepresentation: bytes)
        } catch {
            throw .key(path: path, reason: "not an Ed25519 public key: \(error)")
        }
    }

    static func hex(_ data: some DataProtocol) -> String {
        data.map { String(format: "%02x", $0) }.joined()
    }

    private static func readHex(_ path: String) throws(ArchiveError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .key(path: path, reason: "cannot read it") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(text), bytes.count == 32 else {
            throw .key(path: path, reason: "expected 64 hex digits")
        }
        return bytes
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws(ArchiveError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .key(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw .key(path: path, reason: "short write") }
    }
}
