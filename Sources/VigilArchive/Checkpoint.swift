import Crypto
import Foundation
import VigilCore

/// A signed statement of the chain head, one JSON line in `checkpoints.jsonl`:
/// `{"seq":N,"hash":"…","time":"…","signature":"…"}`. With the public key, `vigil verify`
/// detects a rewrite of the whole chain, which hash links alone cannot.
public struct Checkpoint: Codable, Sendable, Equatable {
    public var seq: Int64
    public var hash: String
    public var time: String
    public var signature: String

    public var signedText: [UInt8] { Array("vigil-checkpoint-v1\n\(seq)\n\(hash)\n\(time)".utf8) }

    static func make(seq: Int64, hash: [UInt8], time: Timestamp, key: Curve25519.Signing.PrivateKey) -> Checkpoint? {
        var checkpoint = Checkpoint(seq: seq, hash: Hex.encode(hash), time: time.rfc3339, signature: "")
        guard let signature = try? key.signature(for: checkpoint.signedText) else { return nil }
        checkpoint.signature = Hex.encode(Array(signature))
        return checkpoint
    }

    public func isValid(for key: Curve25519.Signing.PublicKey) -> Bool {
        guard let bytes = Hex.decode(signature) else { return false }
        return key.isValidSignature(bytes, for: signedText)
    }

    /// Appends one line and fsyncs.
    static func append(_ checkpoint: Checkpoint, to path: String) throws(ArchiveError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var data = try? encoder.encode(checkpoint) else { throw .io(path: path, reason: "cannot encode a checkpoint") }
        data.append(10)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { Glibc.close(fd) }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(fd) == 0 else { throw .io(path: path, reason: "short write") }
    }

    /// Every checkpoint in the file; lines that do not decode are returned as errors.
    static func readAll(_ path: String) -> (checkpoints: [Checkpoint], badLines: [Int]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var result: [Checkpoint] = []
        var bad: [Int] = []
        for (i, line) in data.split(separator: 10).enumerated() {
            if let c = try? JSONDecoder().decode(Checkpoint.self, from: Data(line)) { result.append(c) } else { bad.append(i + 1) }
        }
        return (result, bad)
    }
}
