import Crypto
import Foundation
import VigilCore
import VigilStore

/// When the open segment is closed, and how closed segments are signed.
public struct SegmentOptions: Sendable {
    /// Close once the compressed file reaches this size.
    public var maximumBytes: Int64 = 64 << 20
    /// Close once the segment has been open this long (by the archiver's clock).
    public var maximumAge: Int64 = 3600
    /// The Ed25519 private key's raw bytes (the key type is not `Sendable`).
    private var signingKeyBytes: [UInt8]?

    /// Signs each manifest (Ed25519) when set.
    public var signingKey: Curve25519.Signing.PrivateKey? {
        signingKeyBytes.flatMap { try? Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
    }

    /// Encrypts closed segments (AES-256-GCM) when set.
    public var cipher: SegmentCipher?

    /// libdeflate's level, `compressionLevels`. Measured with libdeflate on 200 MB of this archive's
    /// lines: level 5 compresses 220 MB/s to 12.5 % of the size, level 6 (gzip's default) 133 MB/s to
    /// 12.2 %, level 3 280 MB/s to 13.3 %, level 1 468 MB/s to 15.7 %, level 9 44 MB/s to 11.5 %.
    /// Archiving 1,000,000 events with `vigil archive rotate` (writing, then reading back and
    /// verifying each segment) took 8.6–8.9 CPU-s at level 5 and 10.5–10.7 at level 6, for 130 MB
    /// of segments instead of 127 MB.
    public var compressionLevel: Int32
    public static let defaultCompressionLevel: Int32 = 5
    /// libdeflate's levels (10–12 search exhaustively: far slower for ~1 % smaller).
    public static let compressionLevels: ClosedRange<Int32> = 1...12

    public init(
        maximumBytes: Int64 = 64 << 20, maximumAge: Int64 = 3600, signingKey: Curve25519.Signing.PrivateKey? = nil,
        cipher: SegmentCipher? = nil, compressionLevel: Int32 = SegmentOptions.defaultCompressionLevel
    ) {
        self.maximumBytes = maximumBytes
        self.maximumAge = maximumAge
        self.cipher = cipher
        self.compressionLevel = compressionLevel
        self.signingKeyBytes = signingKey.map { Array($0.rawRepresentation) }
    }
}

extension SegmentOptions {
    /// Options with the keys read from their files (`nil` paths: unsigned, unencrypted).
    public static func load(
        maximumBytes: Int64, maximumAge: Int64, signingKeyPath: String?, encryptionKeyPath: String?,
        compressionLevel: Int32 = SegmentOptions.defaultCompressionLevel
    ) throws(ArchiveError) -> SegmentOptions {
        SegmentOptions(
            maximumBytes: maximumBytes, maximumAge: maximumAge,
            signingKey: try signingKeyPath.map { path throws(ArchiveError) in try SigningKeys.loadPrivate(path) },
            cipher: try encryptionKeyPath.map { path throws(ArchiveError) in try SegmentCipher.load(path) },
            compressionLevel: compressionLevel)
    }
}

/// Appends committed events, in chain order, to the open gzip JSONL segment and closes it into
/// `sNNNNNNNNNNNN.jsonl.gz` + manifest when it is big or old enough (or on request). Use from one
/// task at a time.
///
/// Crash safety: the open segment is a `.part` file; closing finishes the gzip stream, fsyncs,
/// reads the file back to verify it, renames it, then writes the manifest atomically. A segment
/// counts as closed only once its manifest exists; anything else is removed at start and
/// rewritten from the store, so no event is lost or archived twice.
public final class SegmentWriter {
    public let directory: ArchiveDirectory
    public let options: SegmentOptions
    public private(set) var lastClosedSeq: Int64
    public private(set) var lastClosedHash: [UInt8]?

    private struct OpenSegment {
        var writer: GzipFileWriter
        var firstSeq: Int64
        var nextSeq: Int64
        var minTime: Timestamp
        var maxTime: Timestamp
        var firstPrevHash: [UInt8]
        var firstHash: [UInt8]
        var lastHash: [UInt8]
        var opened: Timestamp
    }

    private var open: OpenSegment?
    /// Held for the writer's lifetime: one archiver per archive directory.
    private let lockDescriptor: Int32

    public init(directory: ArchiveDirectory, options: SegmentOptions = SegmentOptions()) throws(ArchiveError) {
        self.directory = directory
        self.options = options
        try directory.create()
        lockDescriptor = Glibc.open(directory.path + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            if lockDescriptor >= 0 { Glibc.close(lockDescriptor) }
            throw .locked(path: directory.path)
        }
        _ = try directory.recover()
        let last = try directory.manifests().last
        lastClosedSeq = last?.lastSeq ?? 0
        lastClosedHash = last.flatMap { Hex.decode($0.lastHash) }
    }

    deinit { Glibc.close(lockDescriptor) }

    /// The sequence number of the next event the archive expects.
    public var nextSeq: Int64 { open?.nextSeq ?? lastClosedSeq + 1 }

    /// Events in the open segment.
    public var openCount: Int64 { open.map { $0.nextSeq - $0.firstSeq } ?? 0 }

    /// Appends events whose `seq` continues `nextSeq` without a gap.
    public func append(_ events: [StoredEvent], now: Timestamp) throws(ArchiveError) {
        for stored in events {
            let event = stored.event
            let line = event.jsonBytes(includeChain: true)
            let prevHash = event.prevHash ?? []
            let hash = event.hash ?? []
            let result = line.withUnsafeBytes { line in
                prevHash.withUnsafeBytes { prevHash in
                    hash.withUnsafeBytes { hash in
                        Result { () throws(ArchiveError) in
                            try append(line: line, seq: stored.seq, time: event.time, prevHash: prevHash, hash: hash, now: now)
                        }
                    }
                }
            }
            try result.get()
        }
    }

    /// Appends one event as its line (chain fields included, no newline), read from the store
    /// without decoding (`StoreReader.forEachArchiveRow`); `seq` must continue `nextSeq`.
    public func append(
        line: UnsafeRawBufferPointer, seq: Int64, time: Timestamp, prevHash: UnsafeRawBufferPointer,
        hash: UnsafeRawBufferPointer, now: Timestamp
    ) throws(ArchiveError) {
        guard seq == nextSeq else {
            throw .store("expected the event with sequence number \(nextSeq) next, got \(seq)")
        }
        if open == nil {
            let writer = try GzipFileWriter(path: directory.openPath, level: options.compressionLevel)
            open = OpenSegment(
                writer: writer, firstSeq: seq, nextSeq: seq, minTime: time, maxTime: time,
                firstPrevHash: Array(prevHash), firstHash: Array(hash), lastHash: [], opened: now)
        }
        // Mutated in place through the optional: a copy would make every field's storage shared.
        do {
            try open!.writer.writeLine(line)
        } catch {
            // A failed write (a full disk) leaves a member cut short: the open segment is dropped,
            // and the next pass writes it again from the store.
            discardOpen()
            throw error
        }
        open!.nextSeq += 1
        if time < open!.minTime { open!.minTime = time }
        if time > open!.maxTime { open!.maxTime = time }
        open!.lastHash.removeAll(keepingCapacity: true)
        open!.lastHash.append(contentsOf: hash)
    }

    /// Whether the open segment is due to close by size or age.
    public func isDue(now: Timestamp) -> Bool {
        guard let open else { return false }
        return open.writer.compressedBytes >= options.maximumBytes
            || now.microseconds - open.opened.microseconds >= options.maximumAge * 1_000_000
    }

    /// Closes the open segment (if it holds any event): finishes, verifies and names it, then
    /// writes its manifest. Returns the manifest.
    @discardableResult
    public func close(now: Timestamp) throws(ArchiveError) -> SegmentManifest? {
        guard let segment = open else { return nil }
        open = nil
        let digest = try segment.writer.finish()
        let name = ArchiveDirectory.segmentName(firstSeq: segment.firstSeq)
        var manifest = SegmentManifest(
            segment: name, firstSeq: segment.firstSeq, lastSeq: segment.nextSeq - 1, count: segment.nextSeq - segment.firstSeq,
            firstTime: segment.minTime.rfc3339, lastTime: segment.maxTime.rfc3339, sha256: Hex.encode(digest),
            firstPrevHash: Hex.encode(segment.firstPrevHash), firstHash: Hex.encode(segment.firstHash),
            lastHash: Hex.encode(segment.lastHash), closed: now.rfc3339,
            uncompressedBytes: segment.writer.uncompressedBytes, signature: nil)
        // Verified from disk before it counts as closed: retention trusts closed segments.
        let check = SegmentScanner.verify(path: directory.openPath, manifest: manifest, previousHash: nil, keepEntries: false)
        if let problem = check.findings.first {
            unlink(directory.openPath)
            throw .manifest(path: directory.openPath, reason: "the segment failed verification after writing: \(problem.text)")
        }
        var closedPath = directory.openPath
        if let cipher = options.cipher {
            let sealed = try cipher.seal(directory.openPath, to: directory.encryptedOpenPath)
            unlink(directory.openPath)
            manifest.segment = name + SegmentCipher.suffix
            manifest.sha256 = Hex.encode(sealed)
            manifest.encrypted = true
            closedPath = directory.encryptedOpenPath
            let again = SegmentScanner.verify(
                path: closedPath, manifest: manifest, previousHash: nil, cipher: cipher, keepEntries: false)
            if let problem = again.findings.first {
                unlink(closedPath)
                throw .manifest(path: closedPath, reason: "the encrypted segment failed verification: \(problem.text)")
            }
        }
        if let key = options.signingKey, let signature = try? key.signature(for: manifest.signedText) {
            manifest.signature = Hex.encode(Array(signature))
        }
        try directory.rename(closedPath, to: directory.path + "/" + manifest.segment)
        try directory.writeAtomically(manifest.encoded(), name: manifest.segment + SegmentManifest.suffix)
        lastClosedSeq = manifest.lastSeq
        lastClosedHash = segment.lastHash
        return manifest
    }

    /// Abandons the open segment (its events are still in the store).
    public func discardOpen() {
        open = nil
        unlink(directory.openPath)
        unlink(directory.encryptedOpenPath)
    }
}
