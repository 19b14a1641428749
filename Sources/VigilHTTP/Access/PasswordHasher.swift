import Crypto
import Foundation
import _CryptoExtras
import VigilCore

/// Salted slow password hashes: PBKDF2-HMAC-SHA256 (OWASP's recommended 600,000 rounds), a
/// 16-byte random salt per password, compared in constant time.
enum PasswordHasher {
    static let rounds = 600_000

    struct Hash: Codable, Sendable, Equatable {
        var salt: String
        var hash: String
        var rounds: Int
    }

    static func hash(_ password: String, rounds: Int = rounds) -> Hash {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = rng.next() }
        return Hash(
            salt: Data(salt).base64EncodedString(), hash: Data(derive(password, salt: salt, rounds: rounds)).base64EncodedString(),
            rounds: rounds)
    }

    static func verify(_ password: String, against stored: Hash) -> Bool {
        guard let salt = Data(base64Encoded: stored.salt), let expected = Data(base64Encoded: stored.hash), stored.rounds > 0
        else { return false }
        let actual = derive(password, salt: [UInt8](salt), rounds: stored.rounds)
        return constantTimeEqual(actual, [UInt8](expected))
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) -> [UInt8] {
        let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.map { $0.withUnsafeBytes { Array($0) } } ?? []
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// `count` random bytes as unpadded base64url (tokens, session ids, generated passwords).
    static func randomToken(bytes count: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func sha256Hex(_ text: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(text.utf8))))
    }
}
