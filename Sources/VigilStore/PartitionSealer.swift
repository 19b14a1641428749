import Foundation
import Logging

/// Builds a closed partition's indexes, full-text index and hourly summaries in bulk, on its
/// own thread, off the ingest path.
final class PartitionSealer: @unchecked Sendable {
    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    /// Partitions to seal, with the writer's summary counts when it has all of them.
    private var pending: [(path: String, summary: HourlySummary?)] = []
    /// A partition whose WAL should be checkpointed (the writer does not checkpoint itself).
    private var checkpoint: String?
    private var busy = false
    private var stopped = false
    private var thread: Thread?
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func enqueue(_ path: String, summary: HourlySummary? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return }
        pending.append((path, summary))
        startIfNeeded()
        condition.broadcast()
    }

    /// Call with `condition` held.
    private func startIfNeeded() {
        if thread == nil {
            let thread = Thread { [self] in
                BackgroundPriority.lowerCurrentThread()
                self.loop()
            }
            thread.name = "vigil-sealer"
            self.thread = thread
            thread.start()
        }
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
        while !pending.isEmpty || busy { condition.wait() }
        condition.unlock()
    }

    /// Lets the current seal finish, then ends the thread. Queued partitions are sealed on next start.
    func stop() {
        condition.lock()
        stopped = true
        pending.removeAll()
        condition.broadcast()
        while busy { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && checkpoint == nil && !stopped { condition.wait() }
            if stopped {
                thread = nil
                condition.unlock()
                return
            }
            if let path = checkpoint {
                checkpoint = nil
                busy = true
                condition.unlock()
                PartitionSealer.checkpoint(path, logger: logger)
                condition.lock()
                busy = false
                condition.broadcast()
                condition.unlock()
                continue
            }
            let (path, summary) = pending.removeFirst()
            busy = true
            condition.unlock()
            do {
                try PartitionSealer.seal(path, summary: summary)
                logger.info("Partition sealed.", metadata: ["partition": "\(path)"])
            } catch {
                logger.error("Sealing a partition failed.", metadata: ["partition": "\(path)", "error": "\(error)"])
            }
            condition.lock()
            busy = false
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
        // instead of the writer's 16 MB keeps the sealer's share of the daemon's memory small
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
