import Crypto
import Foundation
import Logging
import Metrics
import VigilCore
import VigilStore

/// The archiving and retention job: copies committed events into segments, closes segments by
/// size, age or request, writes signed checkpoints of the chain head, and removes from the store
/// only events past their retention that a closed, verified segment holds — after their purge
/// receipt is committed. Each call takes `now` so tests drive it with a controlled clock.
public actor Archiver {
    /// Runs on a thread of its own: a pass may block for minutes (a first pass over a large store).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { BlockingThreadExecutor.archiver.asUnownedSerialExecutor() }

    public let storeDirectory: String
    public let directory: ArchiveDirectory
    private let reader: StoreReader
    private let segments: SegmentWriter
    private let retention: RetentionPolicy?
    private let signingKey: Curve25519.Signing.PrivateKey?
    private let cipher: SegmentCipher?
    private let checkpointSeconds: Int64
    private var lastCheckpoint: Timestamp?
    private var lastCheckpointSeq: Int64 = 0
    private let logger: Logger
    /// Submits receipt events to the pipeline; returns whether they were committed.
    private let submitReceipts: @Sendable ([AuditEvent]) async -> Bool

    /// Reading rows, compressing and closing segments run here, at idle priority: under a burst
    /// they yield the cores to ingest and catch up when it ends (events are safe in the store from
    /// their commit on)...
    private static let background = BackgroundThread(name: "vigil-arch-io")
    /// ...unless the oldest event not archived yet was received more than `catchUpSeconds` ago: then
    /// they run here, at catch-up priority, so a burst that never ends cannot stall the archive. (An
    /// archive some minutes behind harms nothing: segments stay open for up to `segment_age` anyway,
    /// and retention only purges what is archived.)
    private static let catchUp = BackgroundThread(name: "vigil-arch-cu", priority: .catchUp)
    static let catchUpSeconds: Int64 = 600
    /// Whether this pass runs on `catchUp`; decided at the start of each pass.
    private var behind = false

    private let archivedEvents = Counter(label: "vigil_archive_events_total")
    private let closedSegments = Counter(label: "vigil_archive_segments_closed_total")
    private let archivedSeq = Gauge(label: "vigil_archive_seq")
    private let purgedEvents = Counter(label: "vigil_retention_purged_events_total")
    private let failures = Counter(label: "vigil_archive_failures_total")

    /// What one pass did.
    public struct Report: Sendable, Equatable {
        public var archived: Int64 = 0
        public var closed: [String] = []
        public var purged: Int64 = 0
        public var receipts: Int = 0
        public var checkpoint: Bool = false
    }

    public init(
        storeDirectory: String, archiveDirectory: String, options: SegmentOptions, retention: RetentionPolicy?,
        checkpointSeconds: Int64 = 3600, logger: Logger, submitReceipts: @escaping @Sendable ([AuditEvent]) async -> Bool
    ) throws(ArchiveError) {
        self.storeDirectory = storeDirectory
        self.directory = ArchiveDirectory(path: archiveDirectory)
        self.reader = StoreReader(directory: storeDirectory)
        self.segments = try SegmentWriter(directory: directory, options: options)
        self.retention = retention
        self.signingKey = options.signingKey
        self.cipher = options.cipher
        self.checkpointSeconds = checkpointSeconds
        self.logger = logger
        self.submitReceipts = submitReceipts
        archivedSeq.record(segments.nextSeq - 1)
    }

    /// One pass: archive, close if due, checkpoint if due, enforce retention.
    @discardableResult
    public func tick(now: Timestamp) async throws(ArchiveError) -> Report {
        var report = Report()
        try archiveNew(now: now, report: &report)
        if segments.isDue(now: now), let manifest = try closeSegment(now: now) {
            report.closed.append(manifest.segment)
            closedSegments.increment()
            logger.info("Segment closed.", metadata: ["segment": "\(manifest.segment)", "events": "\(manifest.count)"])
        }
        report.checkpoint = try checkpointIfDue(now: now)
        try await enforceRetention(now: now, report: &report)
        return report
    }

    /// Archives everything committed so far and closes the open segment now.
    public func rotate(now: Timestamp) throws(ArchiveError) -> SegmentManifest? {
        var report = Report()
        try archiveNew(now: now, report: &report)
        return try closeSegment(now: now)
    }

    /// The last sequence number in a closed segment.
    public var archivedThrough: Int64 { segments.lastClosedSeq }

    private func archiveNew(now: Timestamp, report: inout Report) throws(ArchiveError) {
        behind = isBehind(now: now)
        // Stops between batches once the task is cancelled (shutdown): a backlog of millions of
        // events would otherwise hold the exit for minutes. The open segment is rebuilt from the
        // store on the next start, so nothing is lost.
        while !Task.isCancelled {
            // Lines are written from the rows' columns: no event is decoded and encoded again.
            let segments = self.segments
            let reader = self.reader
            let count = try inBackground { () throws(ArchiveError) -> Int in
                var failure: ArchiveError?
                let count: Int
                do {
                    count = try reader.forEachArchiveRow(afterSeq: segments.nextSeq - 1, limit: 10_000) { row in
                        let appended = Result { () throws(ArchiveError) in
                            try segments.append(
                                line: row.line, seq: row.seq, time: row.time, prevHash: row.prevHash, hash: row.hash, now: now)
                        }
                        guard case .failure(let error) = appended else { return true }
                        failure = error
                        return false
                    }
                } catch {
                    throw .store("\(error)")
                }
                if let failure { throw failure }
                return count
            }
            guard count > 0 else { return }
            report.archived += Int64(count)
            archivedEvents.increment(by: count)
            archivedSeq.record(segments.nextSeq - 1)
            if segments.isDue(now: now), segments.openCount > 0, let manifest = try closeSegment(now: now) {
                report.closed.append(manifest.segment)
                closedSegments.increment()
            }
        }
    }

    /// Whether the oldest event not archived yet was received more than `catchUpSeconds` before `now`.
    func isBehind(now: Timestamp) -> Bool {
        guard let oldest = try? reader.events(afterSeq: segments.nextSeq - 1, limit: 1).first else { return false }
        return now.microseconds - oldest.event.received.microseconds > Archiver.catchUpSeconds * 1_000_000
    }

    /// Closes the open segment (fsync, read back, verify) on the background thread.
    private func closeSegment(now: Timestamp) throws(ArchiveError) -> SegmentManifest? {
        let segments = self.segments
        return try inBackground { () throws(ArchiveError) in try segments.close(now: now) }
    }

    private func inBackground<T>(_ body: () throws(ArchiveError) -> T) throws(ArchiveError) -> T {
        try (behind ? Archiver.catchUp : Archiver.background).run { () -> Result<T, ArchiveError> in
            do throws(ArchiveError) {
                return .success(try body())
            } catch {
                return .failure(error)
            }
        }.get()
    }

    private func checkpointIfDue(now: Timestamp) throws(ArchiveError) -> Bool {
        guard let key = signingKey else { return false }
        if let last = lastCheckpoint, now.microseconds - last.microseconds < checkpointSeconds * 1_000_000 { return false }
        let head: StoredEvent?
        do {
            guard let lastSeq = try reader.partitions().compactMap(\.lastSeq).max(), lastSeq > lastCheckpointSeq else {
                return false
            }
            head = try reader.events(afterSeq: lastSeq - 1, limit: 1).first
        } catch {
            throw .store("\(error)")
        }
        guard let head, let hash = head.event.hash, let checkpoint = Checkpoint.make(seq: head.seq, hash: hash, time: now, key: key)
        else { return false }
        try Checkpoint.append(checkpoint, to: directory.checkpointsPath)
        lastCheckpoint = now
        lastCheckpointSeq = head.seq
        return true
    }

    struct Expired {
        var seq: Int64
        var hash: [UInt8]
        var time: Timestamp
    }

    private func enforceRetention(now: Timestamp, report: inout Report) async throws(ArchiveError) {
        guard let retention else { return }
        let partitions: [PartitionInfo]
        do {
            partitions = try reader.partitions()
        } catch {
            throw .store("\(error)")
        }
        let archived = segments.lastClosedSeq
        for partition in partitions {
            guard partition.state == .sealed, let firstSeq = partition.firstSeq, let lastSeq = partition.lastSeq,
                lastSeq <= archived
            else { continue }
            var expired: [Expired] = []
            do {
                try PartitionMaintenance.forEachEvent(in: partition) { stored in
                    if retention.isExpired(stored.event, now: now) {
                        expired.append(Expired(seq: stored.seq, hash: stored.event.hash ?? [], time: stored.event.time))
                    }
                }
            } catch {
                throw .store("\(error)")
            }
            guard let first = expired.first, let last = expired.last else { continue }
            let covering = try directory.manifests().filter { $0.lastSeq >= firstSeq && $0.firstSeq <= lastSeq }
            guard try isArchived(expired, in: covering) else {
                logger.error("Expired events are not in a verified segment; keeping them.", metadata: ["partition": "\(partition.path)"])
                continue
            }
            let whole = Int64(expired.count) == partition.count
            let receipt = Archiver.receipt(
                partition: partition, first: first, last: last, count: expired.count, segments: covering.map(\.segment),
                times: (expired.map(\.time).min() ?? first.time, expired.map(\.time).max() ?? last.time),
                mode: whole ? "drop" : "rewrite", now: now)
            guard await submitReceipts([receipt]) else {
                logger.error("The purge receipt was not committed; keeping the events.", metadata: ["partition": "\(partition.path)"])
                continue
            }
            report.receipts += 1
            do {
                if whole {
                    try PartitionMaintenance.drop(partition)
                } else {
                    try PartitionMaintenance.rewrite(partition, removing: Set(expired.map(\.seq)))
                }
            } catch {
                throw .store("\(error)")
            }
            report.purged += Int64(expired.count)
            purgedEvents.increment(by: expired.count)
            logger.info(
                "Purged events past retention.",
                metadata: ["partition": "\(partition.path)", "events": "\(expired.count)", "mode": "\(whole ? "drop" : "rewrite")"])
        }
    }

    /// Re-reads the covering segments and checks each expired event is there with the same hash.
    /// Expired events and segment lines are both in seq order: one walk matches them, holding
    /// nothing per line.
    private func isArchived(_ expired: [Expired], in manifests: [SegmentManifest]) throws(ArchiveError) -> Bool {
        var next = 0  // the first expired event not matched yet
        var allMatch = true
        for manifest in manifests.sorted(by: { $0.firstSeq < $1.firstSeq }) {
            func match(_ entry: ChainEntry) {
                // An expired event below this line's seq has no line: it is not archived.
                while next < expired.count, expired[next].seq < entry.seq {
                    allMatch = false
                    next += 1
                }
                if next < expired.count, expired[next].seq == entry.seq {
                    if ChainHash(expired[next].hash) != entry.hash { allMatch = false }
                    next += 1
                }
            }
            let result = SegmentScanner.verify(
                path: directory.segmentPath(manifest), manifest: manifest, previousHash: nil, cipher: cipher,
                keepEntries: false, visit: match)
            guard result.findings.isEmpty else { return false }
        }
        return allMatch && next == expired.count
    }

    static let receiptAction = "purge"

    static func receipt(
        partition: PartitionInfo, first: Expired, last: Expired, count: Int, segments: [String],
        times: (Timestamp, Timestamp), mode: String, now: Timestamp
    ) -> AuditEvent {
        var event = AuditEvent(id: EventID(high: 0, low: 0), time: now, received: now, source: "vigil", action: receiptAction)
        event.kind = "system"
        event.app = "vigil-archiver"
        event.actor = "vigil"
        event.outcome = "success"
        event.entityType = "partition"
        event.entityID = (partition.path as NSString).lastPathComponent
        event.message = "Purged \(count) events past retention (seq \(first.seq)…\(last.seq)); archived in \(segments.joined(separator: ", "))"
        event.attrs = [
            "first_seq": .int(Int64(first.seq)), "last_seq": .int(Int64(last.seq)), "count": .int(Int64(count)),
            "segments": .array(segments.map { .string($0) }), "first_hash": .string(Hex.encode(first.hash)),
            "last_hash": .string(Hex.encode(last.hash)), "from": .string(times.0.rfc3339), "until": .string(times.1.rfc3339),
            "mode": .string(mode),
        ]
        return event
    }
}

extension Archiver {
    /// Logs a failed pass (the next pass retries).
    public func logFailure(_ error: any Error) {
        failures.increment()
        logger.error("An archiver pass failed.", metadata: ["error": "\(error)"])
    }
}
