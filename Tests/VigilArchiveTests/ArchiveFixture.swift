import Foundation
import Logging
import Synchronization
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore
import VigilTestSupport

/// A temporary store of chained events in small partitions, with an archiver over it and helpers
/// to tamper with the SQLite files (through the real `sqlite3` CLI) and the segments.
final class ArchiveFixture: @unchecked Sendable {
    // `writer` and `chain` are used under `lock` only (receipts arrive from the archiver's actor).
    let root: String
    var storeDirectory: String { root + "/store" }
    var archiveDirectory: String { root + "/archive" }
    static let base = Timestamp(microseconds: 1_795_000_000_000_000)
    private let lock = NSLock()
    private var writer: StoreWriter?
    private var chain = HashChain()
    private(set) var receipts: [AuditEvent] = []
    let logger = Logger(label: "test")

    init(partitionEvents: Int64 = 10) throws {
        root = TestSupport.temporaryDirectory("vigil-archive")
        writer = try StoreWriter(
            directory: root + "/store", options: StoreOptions(partitionEvents: partitionEvents, partitionSeconds: 1 << 40),
            logger: logger, now: ArchiveFixture.base)
    }

    deinit {
        writer?.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A realistic event `i` minutes after the base time; every third is a `view`.
    static func event(_ i: Int, action: String? = nil, kind: String = "web") -> AuditEvent {
        let t = base.adding(microseconds: Int64(i) * 60_000_000)
        var e = AuditEvent(
            id: EventID(high: UInt64(i + 1) << 20, low: UInt64(i) &* 2_654_435_761), time: t, received: t.adding(microseconds: 1500),
            source: "tcp", action: action ?? (i % 3 == 0 ? "view" : "update"))
        e.kind = kind
        e.actor = "user\(i % 5)"
        e.entityType = "customer"
        e.entityID = "CUST-\(1000 + i)"
        e.ip = "192.0.2.\(i % 250 + 1)"
        e.message = "event number \(i)"
        e.attrs = ["n": .int(Int64(i))]
        e.raw = #"{"user":"user\#(i % 5)","n":\#(i)}"#
        return e
    }

    /// Chains and stores events in commits of 5 (so partitions hold 10), and waits for sealing.
    func append(_ events: [AuditEvent]) throws {
        try lock.withLock {
            var linked = events
            for i in linked.indices { chain.link(&linked[i]) }
            for start in stride(from: 0, to: linked.count, by: 5) {
                try writer?.append(Array(linked[start..<min(linked.count, start + 5)]), now: ArchiveFixture.base)
            }
            writer?.waitForSealing()
        }
    }

    /// Closes the writer (so the `sqlite3` CLI can edit files without a live connection).
    func closeWriter() {
        lock.withLock {
            writer?.close()
            writer = nil
        }
    }

    /// A key pair under the fixture's root (outside the data directory), created on first use.
    lazy var keyPaths: (privatePath: String, publicPath: String) = {
        (try? SigningKeys.generate(prefix: root + "/keys")) ?? ("", "")
    }()

    /// An AES-256-GCM key file under the fixture's root, created on first use.
    lazy var encryptionKeyPath: String = {
        let path = root + "/segments.aes"
        try? SegmentCipher.generate(path)
        return path
    }()

    func makeArchiver(
        retention: RetentionPolicy? = nil, signed: Bool = false, encrypted: Bool = false, maximumAge: Int64 = 1 << 40
    ) throws -> Archiver {
        try Archiver(
            storeDirectory: storeDirectory, archiveDirectory: archiveDirectory,
            options: try SegmentOptions.load(
                maximumBytes: 1 << 40, maximumAge: maximumAge, signingKeyPath: signed ? keyPaths.privatePath : nil,
                encryptionKeyPath: encrypted ? encryptionKeyPath : nil),
            retention: retention, checkpointSeconds: 60, logger: logger,
            submitReceipts: { [self] events in
                do {
                    try self.append(events)
                    self.lock.withLock { self.receipts += events }
                    return true
                } catch {
                    return false
                }
            })
    }

    func verify(signed: Bool = false, encrypted: Bool = false) throws -> ArchiveVerifier.Report {
        let key = signed ? try SigningKeys.loadPublic(keyPaths.publicPath) : nil
        let cipher = encrypted ? try SegmentCipher.load(encryptionKeyPath) : nil
        return try ArchiveVerifier(storeDirectory: storeDirectory, archiveDirectory: archiveDirectory, publicKey: key, cipher: cipher)
            .run()
    }

    /// The partition file holding `seq`.
    func partition(holding seq: Int64) throws -> String {
        let partitions = try StoreReader(directory: storeDirectory).partitions()
        guard let p = partitions.first(where: { ($0.firstSeq ?? .max) <= seq && seq <= ($0.lastSeq ?? .min) }) else {
            throw FixtureError(description: "no partition holds seq \(seq)")
        }
        return p.path
    }

    /// Runs SQL on a partition with the real `sqlite3` CLI.
    func sqlite(_ path: String, _ sql: String) throws {
        let result = try TestSupport.run("/usr/bin/sqlite3", [path, sql])
        guard result.status == 0 else { throw FixtureError(description: "sqlite3 failed: \(result.output)") }
    }

    func storedEvent(seq: Int64) throws -> AuditEvent {
        guard let e = try StoreReader(directory: storeDirectory).events(afterSeq: seq - 1, limit: 1).first, e.seq == seq else {
            throw FixtureError(description: "no event \(seq)")
        }
        return e.event
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

