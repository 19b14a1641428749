import Foundation
import Logging

/// Builds a closed partition's indexes, full-text index and hourly summaries in bulk, on its
/// own thread, off the ingest path.
final class PartitionSealer: @unchecked Sendable {
    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var pending: [String] = []
    private var busy = false
    private var stopped = false
    private var thread: Thread?
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func enqueue(_ path: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return }
        pending.append(path)
        if thread == nil {
            let thread = Thread { [self] in self.loop() }
            thread.name = "vigil-sealer"
            self.thread = thread
            thread.start()
        }
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
            while pending.isEmpty && !stopped { condition.wait() }
            if stopped {
                thread = nil
                condition.unlock()
                return
            }
            let path = pending.removeFirst()
            busy = true
            condition.unlock()
            do {
                try PartitionSealer.seal(path)
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

    /// Seals one file; safe to run again on a partly sealed file.
    static func seal(_ path: String) throws(StoreError) {
        let connection = try SQLiteConnection(path: path)
        defer { connection.close() }
        try connection.execute(Schema.pragmas)
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.execute(Schema.sealIndexes)
            try connection.execute("DROP TABLE IF EXISTS " + Schema.ftsTable)
            try connection.execute(Schema.sealFullText)
            try connection.execute(Schema.sealSummary)
            try connection.execute("INSERT OR REPLACE INTO partition_meta VALUES ('state', 'sealed')")
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        try connection.execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
    }
}
