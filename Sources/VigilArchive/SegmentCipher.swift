import Crypto
import Foundation
import VigilCore

/// Optional AES-256-GCM encryption of closed segments, with a key file kept outside the data
/// directory. An encrypted segment is no longer gzip (`zcat` cannot read it):
///
///     "VIGIL-AES256GCM-1\n" ‖ nonce (12) ‖ ciphertext of the gzip file ‖ tag (16)
///
/// The header is authenticated too. The manifest's SHA-256 is of the encrypted file.
public struct SegmentCipher: Sendable {
    static let magic = Array("VIGIL-AES256GCM-1\n".utf8)
    public static let suffix = ".enc"
    private let keyBytes: [UInt8]

    public init(keyBytes: [UInt8]) { self.keyBytes = keyBytes }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Reads a key file: 64 hex digits.
    public static func load(_ path: String) throws(ArchiveError) -> SegmentCipher {
        guard let data = FileManager.default.contents(atPath: path) else { throw .key(path: path, reason: "cannot read it") }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(text), bytes.count == 32 else { throw .key(path: path, reason: "expected 64 hex digits (256 bits)") }
        return SegmentCipher(keyBytes: bytes)
    }

    /// Creates a new random key file (mode 0600).
    public static func generate(_ path: String) throws(ArchiveError) {
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { Hex.encode(Array($0)) } + "\n"
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .key(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        let bytes = Array(hex.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else { throw .key(path: path, reason: "short write") }
    }

    static func isEncrypted(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    /// Encrypts `source` into `target` (fsynced); returns the SHA-256 of `target`.
    func seal(_ source: String, to target: String) throws(ArchiveError) -> [UInt8] {
        guard let plain = FileManager.default.contents(atPath: source) else { throw .io(path: source, reason: "cannot read it") }
        let combined: Data
        do {
            guard let c = try AES.GCM.seal(plain, using: key, authenticating: SegmentCipher.magic).combined else {
                throw ArchiveError.io(path: target, reason: "no combined representation")
            }
            combined = c
        } catch {
            throw .io(path: target, reason: "encryption failed: \(error)")
        }
        var out = Data(SegmentCipher.magic)
        out.append(combined)
        let fd = Glibc.open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .io(path: target, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        let written = out.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == out.count, fsync(fd) == 0 else { throw .io(path: target, reason: "short write") }
        return Array(SHA256.hash(data: out))
    }

    /// Decrypts an encrypted segment's bytes into the gzip file they hold.
    func open(_ bytes: [UInt8], path: String) throws(ArchiveError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: bytes[SegmentCipher.magic.count...])
            return Array(try AES.GCM.open(box, using: key, authenticating: SegmentCipher.magic))
        } catch {
            throw .compression(path: path, reason: "cannot decrypt the segment (wrong key, or the file was changed): \(error)")
        }
    }
}
