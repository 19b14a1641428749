import Foundation
import Logging
import Metrics

/// Builds a closed partition's indexes, full-text index and hourly summaries in bulk, off the
/// ingest path.
///
/// Sealing runs on a thread at idle priority (`BackgroundPriority.idle`): under a burst, closed
/// partitions wait (every event in them is stored and queryable, by a scan instead of an index)
/// and are sealed as soon as the cores have time. Should more than `catchUpBacklog` partitions wait,
/// a second thread at `BackgroundPriority.catchUp` seals the oldest ones, so a burst that never
/// ends cannot leave the store unindexed.
final class PartitionSealer: @unchecked Sendable {
    /// Partitions waiting beyond which sealing no longer waits for idle cores: 4,000,000 events at
    /// the default partition size, about 40 seconds of a saturating burst on two cores.
    static let catchUpBacklog = 8

    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    /// Partitions to seal, oldest first, with the writer's summary counts when it has all of them.
    private var pending: [(path: String, summary: HourlySummary?)] = []
    /// A partition whose WAL should be checkpointed (the writer does not checkpoint itself).
    private var checkpoint: String?
    /// Seals in progress, and whether a checkpoint is.
    private var sealing = 0
    private var checkpointing = false
    private var stopped = false
    private var idleThreadRunning = false
    private var catchUpThreadRunning = false
    private let logger: Logger
    /// Closed partitions not sealed yet, as `vigil_store_seal_backlog`.
    private let backlogGauge = Gauge(label: "vigil_store_seal_backlog")
    /// `PartitionSealer.seal`, or a stand-in in tests.
    private let sealFile: @Sendable (String, HourlySummary?) throws(StoreError) -> Void

    init(
        logger: Logger,
        seal: @escaping @Sendable (String, HourlySummary?) throws(StoreError) -> Void = { path, summary throws(StoreError) in
            try PartitionSealer.seal(path, summary: summary)
        }
    ) {
        self.logger = logger
        self.sealFile = seal
    }

    /// Partitions closed and not yet sealed (waiting or being sealed). Read with `condition` held.
    private var unsealed: Int { pending.count + sealing }

    /// Call with `condition` held, after `pending` or `sealing` changed.
    private func recordBacklog() { backlogGauge.record(unsealed) }

    /// `unsealed`, for callers that do not hold `condition`.
    var backlog: Int { condition.withLock { unsealed } }

    func enqueue(_ path: String, summary: HourlySummary? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return }
        pending.append((path, summary))
        recordBacklog()
        startIfNeeded()
        condition.broadcast()
    }

    /// Call with `condition` held. Threads start from the caller's thread, at its priority, and
    /// lower their own.
    private func startIfNeeded() {
        if !idleThreadRunning {
            idleThreadRunning = true
            start(.idle, name: "vigil-sealer")
        }
        if pending.count > Self.catchUpBacklog && !catchUpThreadRunning {
            catchUpThreadRunning = true
            start(.catchUp, name: "vigil-sealer-catch-up")
        }
    }

    private func start(_ priority: BackgroundPriority, name: String) {
        let thread = Thread { [self] in
            priority.apply()
            loop(priority)
        }
        thread.name = name
        thread.start()
    }

    /// Asks for a passive checkpoint of the current partition's WAL, off the writer's thread.
    func requestCheckpoint(_ path: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return }
        checkpoint = path
        startIfNeeded()
        condition.broadcast()
    }

    /// Blocks until nothing is queued or being sealed.
    func waitUntilIdle() {
        condition.lock()
        while !pending.isEmpty || checkpoint != nil || sealing > 0 || checkpointing { condition.wait() }
        condition.unlock()
    }

    /// Lets the seals in progress finish, then ends the threads. Queued partitions are sealed on
    /// next start.
    func stop() {
        condition.lock()
        stopped = true
        pending.removeAll()
        checkpoint = nil
        condition.broadcast()
        while sealing > 0 || checkpointing { condition.wait() }
        condition.unlock()
    }

    /// The idle thread seals and checkpoints whatever comes; the catch-up thread only seals the
    /// oldest partitions while more than `catchUpBacklog` wait, then ends.
    private func loop(_ priority: BackgroundPriority) {
        while true {
            condition.lock()
            if priority == .catchUp {
                guard !stopped, pending.count > Self.catchUpBacklog else {
                    catchUpThreadRunning = false
                    condition.unlock()
                    return
                }
            } else {
                while pending.isEmpty && checkpoint == nil && !stopped { condition.wait() }
                if stopped {
                    idleThreadRunning = false
                    condition.unlock()
                    return
                }
                if let path = checkpoint {
                    checkpoint = nil
                    checkpointing = true
                    condition.unlock()
                    PartitionSealer.checkpoint(path, logger: logger)
                    condition.lock()
                    checkpointing = false
                    condition.broadcast()
                    condition.unlock()
                    continue
                }
            }
            let (path, summary) = pending.removeFirst()
            sealing += 1
            condition.unlock()
            do {
                try sealFile(path, summary)
                logger.info("Partition sealed.", metadata: ["partition": "\(path)"])
            } catch {
                logger.error("Sealing a partition failed.", metadata: ["partition": "\(path)", "error": "\(error)"])
            }
            condition.lock()
            sealing -= 1
            recordBacklog()
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Copies the WAL into the database file while the writer keeps appending (PASSIVE never blocks it).
    static func checkpoint(_ path: String, logger: Logger) {
        do {
            let connection = try SQLiteConnection(path: path)
            defer { connection.close() }
            try connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        } catch {
            logger.warning("A WAL checkpoint failed.", metadata: ["partition": "\(path)", "error": "\(error)"])
        }
    }

    /// Seals one file; safe to run again on a partly sealed file.
    /// - Parameter summary: the writer's counts of every event in the file, else `nil` (they are
    ///   grouped from the events).
    static func seal(_ path: String, summary: HourlySummary? = nil) throws(StoreError) {
        let connection = try SQLiteConnection(path: path)
        defer { connection.close() }
        try connection.execute(Schema.pragmas)
        // The index and full-text builds sort every row: in temporary files (page cache) their runs
        // beyond the cache do not count in the daemon's memory. Measured with sqlite3 on a 400,000-event
        // partition: 55 MB peak with temp_store=MEMORY, 39 MB with FILE, and no slower.
        try connection.execute("PRAGMA temp_store=FILE")
        // SQLite's sorter keeps up to a page cache's worth of each run in memory: a 4 MB cache
        // instead of the writer's 8 MB keeps the sealer's share of the daemon's memory small
        // (sealing runs in the background; more, shorter runs only make it merge more).
        try connection.execute("PRAGMA cache_size=-4096")
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.execute(Schema.sealIndexes)
            try connection.execute("DROP TABLE IF EXISTS " + Schema.ftsTable)
            try connection.execute(Schema.sealFullText)
            try connection.execute(Schema.sealSummaryTable)
            if let summary {
                try summary.insert(into: connection)
            } else {
                try connection.execute(Schema.sealSummaryFromEvents)
            }
            try connection.execute(Schema.sealSummaryIndex)
            try connection.execute("INSERT OR REPLACE INTO partition_meta VALUES ('state', 'sealed')")
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        try connection.execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
    }
}
