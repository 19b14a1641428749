import Foundation
import Logging
import Metrics
import Synchronization

/// Builds a closed partition's indexes, full-text index and hourly summaries in bulk, off the
/// ingest path.
///
/// Sealing runs on a thread at idle priority (`BackgroundPriority.idle`): under a burst, closed
/// partitions wait (every event in them is stored and queryable, by a scan instead of an index)
/// and are sealed as soon as the cores have time. A partition that has waited `catchUpSeconds`
/// since it closed, or the oldest while more than `catchUpBacklog` wait, is due: a second thread, at
/// `BackgroundPriority.catchUp`, seals it. A seal is a series of steps, each its own transaction;
/// the idle thread checks between them whether its partition has become due and, if so, hands the
/// rest to the catch-up thread. So a burst that never ends leaves no partition unindexed for much
/// longer than `catchUpSeconds`.
final class PartitionSealer: @unchecked Sendable {
    /// How long a closed partition may wait for idle cores: a burst of up to a minute is absorbed
    /// at full speed (about 7,000,000 events on two cores), a longer one shares the cores with sealing.
    static let catchUpSeconds: TimeInterval = 60
    /// How many closed partitions may wait (8,000,000 events at the default size): on a machine
    /// fast enough to close them quicker than `catchUpSeconds` allows for, this bounds the scans that
    /// a query over the waiting ones makes (about 0.2 s per partition for a value no event has).
    static let catchUpBacklog = 16

    /// A closed partition waiting to be sealed, with the writer's summary counts when it has all of them.
    struct Waiting {
        var path: String
        var summary: HourlySummary?
        /// `clock` when it closed.
        var closed: TimeInterval
    }

    /// `PartitionSealer.seal`, or a stand-in in tests: seals the partition unless `yield` returns
    /// true between two steps; returns whether it finished.
    typealias SealFunction = @Sendable (_ path: String, _ summary: HourlySummary?, _ yield: () -> Bool) throws(StoreError) -> Bool

    private let catchUpSeconds: TimeInterval
    private let catchUpBacklog: Int
    /// Seconds on a clock that never steps (a wall clock set back would hold sealing for as long).
    private let clock: @Sendable () -> TimeInterval
    /// `stopped`, read between seal steps without the lock: the idle thread can be preempted while
    /// it holds one, and the writer takes the same lock to enqueue.
    private let stopRequested = Atomic<Bool>(false)
    private let logger: Logger
    /// Closed partitions not sealed yet, as `vigil_store_seal_backlog`.
    private let backlogGauge = Gauge(label: "vigil_store_seal_backlog")
    private let sealFile: SealFunction

    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    /// Partitions to seal, oldest first.
    private var pending: [Waiting] = []
    /// A partition whose WAL should be checkpointed (the writer does not checkpoint itself).
    private var checkpoint: String?
    /// Seals in progress, and whether a checkpoint is.
    private var sealing = 0
    private var checkpointing = false
    private var stopped = false
    /// Threads started and not yet ended.
    private var runningThreads = 0

    init(
        logger: Logger, catchUpSeconds: TimeInterval = PartitionSealer.catchUpSeconds,
        catchUpBacklog: Int = PartitionSealer.catchUpBacklog,
        clock: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
        seal: @escaping SealFunction = { path, summary, yield throws(StoreError) in
            try PartitionSealer.seal(path, summary: summary, yieldIf: yield)
        }
    ) {
        self.logger = logger
        self.catchUpSeconds = catchUpSeconds
        self.catchUpBacklog = catchUpBacklog
        self.clock = clock
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
        pending.append(Waiting(path: path, summary: summary, closed: clock()))
        recordBacklog()
        startIfNeeded()
        condition.broadcast()
    }

    /// Starts both threads on first use. Call with `condition` held, from the writer's thread:
    /// threads start at their creator's scheduling and can only lower their own, so neither is ever
    /// started from the idle one. (They end only once stopped, and nothing starts them after that.)
    private func startIfNeeded() {
        guard runningThreads == 0 else { return }
        runningThreads = 2
        start(.idle, name: "vigil-sealer")
        start(.catchUp, name: "vigil-seal-cu")
    }

    private func start(_ priority: BackgroundPriority, name: String) {
        Thread.start(named: name) { [self] in
            priority.apply()
            if priority == .catchUp { catchUpLoop() } else { idleLoop() }
        }
    }

    /// When (on `clock`) a partition that closed at `closed` has waited long enough to be due.
    private func dueByAge(_ closed: TimeInterval) -> TimeInterval { closed + catchUpSeconds }

    /// When the oldest waiting partition is due: now if too many wait. Call with `condition` held
    /// and `pending` not empty.
    private var oldestDue: TimeInterval { pending.count > catchUpBacklog ? -.infinity : dueByAge(pending[0].closed) }

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

    /// Lets the seals in progress reach the end of their current step, then ends the threads (which
    /// finish their seal or checkpoint first). Partitions not sealed are sealed on next start.
    func stop() {
        condition.lock()
        stopped = true
        stopRequested.store(true, ordering: .relaxed)
        pending.removeAll()
        checkpoint = nil
        condition.broadcast()
        while runningThreads > 0 { condition.wait() }
        condition.unlock()
    }

    /// Call with `condition` held when a thread's loop ends; releases it.
    private func threadEnded() {
        runningThreads -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Checkpoints whatever is asked, and seals the oldest partition that is not due yet (due ones
    /// are the catch-up thread's), handing it over between steps once it becomes due.
    private func idleLoop() {
        condition.lock()
        while true {
            let now = clock()
            // Past the backlog limit the oldest is due whatever its age.
            let first = pending.count > catchUpBacklog ? 1 : 0
            let next = pending.indices.dropFirst(first).first { dueByAge(pending[$0].closed) > now }
            if stopped {
                threadEnded()
                return
            } else if let path = checkpoint {
                checkpoint = nil
                checkpointing = true
                condition.unlock()
                PartitionSealer.checkpoint(path, logger: logger)
                condition.lock()
                checkpointing = false
                condition.broadcast()
            } else if let next {
                let partition = pending.remove(at: next)
                let due = dueByAge(partition.closed)
                sealing += 1
                condition.unlock()
                let finished = sealOne(partition) { [self] in clock() >= due || stopRequested.load(ordering: .relaxed) }
                condition.lock()
                sealing -= 1
                if !finished && !stopped {
                    // Handed over: back in its place among the waiting, oldest first.
                    pending.insert(partition, at: pending.firstIndex { $0.closed > partition.closed } ?? pending.endIndex)
                }
                recordBacklog()
                condition.broadcast()
            } else {
                // Nothing waits, or only partitions due (the catch-up thread's): wait for a change.
                condition.wait()
            }
        }
    }

    /// Sleeps while the waiting partitions are within the limits, and seals the oldest whenever it
    /// is due.
    private func catchUpLoop() {
        condition.lock()
        while true {
            if stopped {
                threadEnded()
                return
            }
            guard !pending.isEmpty else {
                condition.wait()
                continue
            }
            let wait = oldestDue - clock()
            guard wait <= 0 else {
                // At most a second at a time: `wait(until:)` counts on the wall clock, which may step.
                _ = condition.wait(until: Date(timeIntervalSinceNow: min(wait, 1)))
                continue
            }
            let partition = pending.removeFirst()
            sealing += 1
            condition.unlock()
            let finished = sealOne(partition) { [self] in stopRequested.load(ordering: .relaxed) }
            condition.lock()
            sealing -= 1
            if !finished && !stopped { pending.insert(partition, at: 0) }
            recordBacklog()
            condition.broadcast()
        }
    }

    /// Seals `partition` unless `yield` says otherwise between steps; returns whether it finished
    /// (a failure is logged and counts as finished: the partition is sealed again on next start).
    private func sealOne(_ partition: Waiting, yield: () -> Bool) -> Bool {
        do {
            guard try sealFile(partition.path, partition.summary, yield) else { return false }
            logger.info("Partition sealed.", metadata: ["partition": "\(partition.path)"])
        } catch {
            logger.error("Sealing a partition failed.", metadata: ["partition": "\(partition.path)", "error": "\(error)"])
        }
        return true
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

    /// Seals one file, step by step, each step its own transaction and safe to run again: a partly
    /// sealed file (stopped between steps, or by a crash) is finished by sealing it again.
    /// - Parameters:
    ///   - summary: the writer's counts of every event in the file, else `nil` (they are grouped
    ///     from the events).
    ///   - yield: asked before each index and the full-text index; `true` stops the seal there.
    /// - Returns: whether the file is sealed (`false`: `yield` stopped it).
    @discardableResult
    static func seal(_ path: String, summary: HourlySummary? = nil, yieldIf yield: () -> Bool = { false }) throws(StoreError) -> Bool {
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
        for step in Schema.sealSteps {
            if yield() { return false }
            try transaction(connection) { () throws(StoreError) in try connection.execute(step) }
        }
        // The summaries take milliseconds: not worth a stop (and the full-text step before them
        // starts by dropping what an earlier run built, so it is best not run twice).
        try transaction(connection) { () throws(StoreError) in
            try connection.execute(Schema.sealSummaryTable)
            if let summary {
                try summary.insert(into: connection)
            } else {
                try connection.execute(Schema.sealSummaryFromEvents)
            }
            try connection.execute(Schema.sealSummaryIndex)
            try connection.execute("INSERT OR REPLACE INTO partition_meta VALUES ('state', 'sealed')")
        }
        try connection.execute("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
        return true
    }

    private static func transaction(_ connection: SQLiteConnection, _ body: () throws(StoreError) -> Void) throws(StoreError) {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
