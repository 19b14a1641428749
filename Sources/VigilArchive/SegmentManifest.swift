import Foundation
import VigilCore

/// What a closed segment holds, written next to it as `NAME.manifest.json`:
///
///     {"segment":"s000000000001.jsonl.gz","first_seq":1,"last_seq":5000,"count":5000,
///      "first_time":"…","last_time":"…","sha256":"…","first_prev_hash":"…",
///      "first_hash":"…","last_hash":"…","closed":"…","signature":"…"}
///
/// Line `k` of the segment (0-based) is the event with sequence number `first_seq + k`.
/// `signature` (optional) is Ed25519 over `signedText`.
public struct SegmentManifest: Codable, Sendable, Equatable {
    public var segment: String
    public var firstSeq: Int64
    public var lastSeq: Int64
    public var count: Int64
    public var firstTime: String
    public var lastTime: String
    public var sha256: String
    public var firstPrevHash: String
    public var firstHash: String
    public var lastHash: String
    public var closed: String
    public var uncompressedBytes: Int64
    public var signature: String?
    /// AES-256-GCM (`SegmentCipher`); the file is then not plain gzip.
    public var encrypted: Bool?

    enum CodingKeys: String, CodingKey {
        case segment, count, sha256, closed, signature, encrypted
        case firstSeq = "first_seq"
        case lastSeq = "last_seq"
        case firstTime = "first_time"
        case lastTime = "last_time"
        case firstPrevHash = "first_prev_hash"
        case firstHash = "first_hash"
        case lastHash = "last_hash"
        case uncompressedBytes = "uncompressed_bytes"
    }

    /// The bytes a signature covers: every field but the signature, in a fixed order.
    public var signedText: [UInt8] {
        let fields = [
            "vigil-segment-v1", segment, String(firstSeq), String(lastSeq), String(count), firstTime, lastTime, sha256,
            firstPrevHash, firstHash, lastHash, closed, String(uncompressedBytes),
        ] + (encrypted == true ? ["encrypted"] : [])
        return Array(fields.joined(separator: "\n").utf8)
    }

    public var firstTimestamp: Timestamp? { Timestamp.parse(firstTime) }
    public var lastTimestamp: Timestamp? { Timestamp.parse(lastTime) }

    public static let suffix = ".manifest.json"

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func read(_ path: String) throws(ArchiveError) -> SegmentManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .manifest(path: path, reason: "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(SegmentManifest.self, from: data)
        } catch {
            throw .manifest(path: path, reason: "\(error)")
        }
    }
}
