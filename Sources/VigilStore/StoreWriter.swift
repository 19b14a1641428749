import CSQLite
import Foundation
import Logging
import VigilCore

/// The single batching writer of the store. Owns the current partition; call it from one
/// thread only (the pipeline's writer thread).
public final class StoreWriter {
    public let directory: String
    public let options: StoreOptions
    private let logger: Logger
    private var connection: SQLiteConnection
    private var insert: SQLiteStatement
    /// The current row's text and blobs, bound in place (see ``RowArena``).
    private let arena = RowArena()
    /// The current partition's per-hour counts, handed to the sealer when they cover all its events.
    private var summary = HourlySummary()
    private var summaryIsComplete: Bool
    private var partition: PartitionInfo
    private var partitionOpened: Timestamp
    private let sealer: PartitionSealer
    /// The last stored event's sequence number and hash (the chain head), if any.
    public private(set) var head: ChainHead?
    /// Held for the writer's lifetime: one writer per store, or the chain would fork.
    private let lockDescriptor: Int32

    /// Opens (or creates) the store in `directory`; seals partitions a crash left unsealed.
    public init(directory: String, options: StoreOptions = StoreOptions(), logger: Logger, now: Timestamp)
        throws(StoreError)
    {
        self.directory = directory
        self.options = options
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the directory: \(error)")
        }
        lockDescriptor = Glibc.open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            if lockDescriptor >= 0 { Glibc.close(lockDescriptor) }
            throw .locked(path: directory)
        }
        let existing = try PartitionDirectory.list(directory)
        sealer = PartitionSealer(logger: logger)
        head = nil
        var current: PartitionInfo
        if let newest = existing.last, newest.state == .current {
            current = newest
        } else {
            current = try StoreWriter.create(number: (existing.last?.number ?? 0) + 1, in: directory)
        }
        // Older partitions left current or sealing by a crash are sealed again.
        for info in existing where info.number != current.number && info.state != .sealed {
            sealer.enqueue(info.path)
        }
        // A partition reopened with events in it was partly counted by an earlier run: SQL summarises it.
        summaryIsComplete = current.firstSeq == nil
        let opened = try StoreWriter.open(current.path)
        connection = opened
        insert = try opened.prepare(StoreWriter.insertSQL)
        partition = current
        partitionOpened = now
        head = try StoreWriter.findHead(existing: existing, current: opened)
        if let head { partition.lastSeq = max(partition.lastSeq ?? 0, head.seq) }
    }

    deinit {
        sealer.stop()
        Glibc.close(lockDescriptor)
    }

    private static let insertSQL =
        "INSERT INTO events (" + Schema.columns.joined(separator: ",") + ") VALUES ("
        + Array(repeating: "?", count: Schema.columns.count).joined(separator: ",") + ")"

    private static func open(_ path: String) throws(StoreError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path)
        try connection.execute(Schema.pragmas)
        try connection.execute(Schema.v1Partition)
        // Checkpoints (which fsync) run on the sealer's thread, not in the commit path.
        try connection.execute("PRAGMA wal_autocheckpoint=0")
        return connection
    }

    /// WAL size past which a background checkpoint is requested.
    static let checkpointBytes: Int64 = 32 << 20

    /// Builds the new partition under a name readers do not list and renames it into place: a
    /// query or the archiver listing the directory meanwhile never opens a file without its tables.
    private static func create(number: Int, in directory: String) throws(StoreError) -> PartitionInfo {
        let path = directory + "/" + PartitionInfo.fileName(number: number)
        guard access(path, F_OK) != 0 else { throw .corrupt(path: path, reason: "a partition with this number exists already") }
        let building = path + ".new"
        for leftover in [building, building + "-wal", building + "-shm"] { unlink(leftover) }
        let connection = try open(building)
        try connection.execute("INSERT OR REPLACE INTO partition_meta VALUES ('state', 'current')")
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        // Closing the last connection removes the (empty) WAL: the file is whole on its own.
        connection.close()
        guard access(building + "-wal", F_OK) != 0 else {
            throw .io(path: building, reason: "its write-ahead log was not folded into it")
        }
        guard rename(building, path) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        return PartitionInfo(number: number, path: path, state: .current)
    }

    private static func findHead(existing: [PartitionInfo], current: SQLiteConnection) throws(StoreError) -> ChainHead? {
        if let head = try lastLink(in: current) { return head }
        for info in existing.reversed() {
            let connection = try SQLiteConnection(path: info.path, readOnly: true)
            if let head = try lastLink(in: connection) { return head }
        }
        return nil
    }

    private static func lastLink(in connection: SQLiteConnection) throws(StoreError) -> ChainHead? {
        let stmt = try connection.prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        guard try stmt.step() else { return nil }
        return ChainHead(seq: stmt.int(0), hash: stmt.blob(1) ?? [])
    }

    /// The next sequence number the store will give.
    public var nextSeq: Int64 { (head?.seq ?? 0) + 1 }

    /// Appends events (already chained: `prev_hash`/`hash` set, ids assigned) in one transaction.
    /// `seqs` numbering continues from `nextSeq`.
    public func append(_ events: [AuditEvent], now: Timestamp) throws(StoreError) {
        try append(records: events.map(EventRecord.init), now: now)
    }

    /// Appends prepared records in one transaction.
    public func append(records: some RandomAccessCollection<EventRecord>, now: Timestamp) throws(StoreError) {
        try append(count: records.count, now: now) { records[records.index(records.startIndex, offsetBy: $0)] }
    }

    /// Appends `count` records in one transaction, `record(i)` giving the i-th (the writer's fast
    /// path: a concrete closure over its batch copies only each record, where a generic collection
    /// of batch elements copied every element through its value witnesses, then its record again).
    public func append(count: Int, now: Timestamp, record: (Int) -> EventRecord) throws(StoreError) {
        guard count > 0 else { return }
        try connection.execute("BEGIN IMMEDIATE")
        var seq = nextSeq
        var lastHash: [UInt8] = []
        // Counted apart and merged once committed.
        var batchSummary = HourlySummary()
        do {
            for index in 0..<count {
                let current = record(index)
                if index == count - 1 { lastHash = current.event.hash ?? [] }
                if summaryIsComplete { batchSummary.add(current.event) }
                bind(current, seq: seq)
                _ = try insert.step()
                // Every parameter is bound again for the next row: no sqlite3_clear_bindings.
                sqlite3_reset(insert.statement)
                seq += 1
            }
            try connection.execute("COMMIT")
        } catch {
            insert.reset()
            try? connection.execute("ROLLBACK")
            throw error
        }
        if partition.firstSeq == nil { partition.firstSeq = nextSeq }
        partition.lastSeq = seq - 1
        if summaryIsComplete { summary.merge(batchSummary) }
        head = ChainHead(seq: seq - 1, hash: lastHash)
        var status = stat()
        if stat(partition.path + "-wal", &status) == 0, Int64(status.st_size) >= StoreWriter.checkpointBytes {
            sealer.requestCheckpoint(partition.path)
        }
        if partition.count >= options.partitionEvents
            || (partition.count > 0 && now.microseconds - partitionOpened.microseconds >= options.partitionSeconds * 1_000_000)
        {
            try rotate(now: now)
        }
    }

    /// Closes the current partition for writing, hands it to the sealer and starts a new one.
    public func rotate(now: Timestamp) throws(StoreError) {
        guard partition.count > 0 else { return }
        try connection.execute("INSERT OR REPLACE INTO partition_meta VALUES ('state', 'sealing')")
        let sealed = partition.path
        let next = try StoreWriter.create(number: partition.number + 1, in: directory)
        let opened = try StoreWriter.open(next.path)
        insert = try opened.prepare(StoreWriter.insertSQL)
        connection.close()
        connection = opened
        partition = next
        partitionOpened = now
        logger.info("Partition closed for sealing.", metadata: ["partition": "\(sealed)"])
        sealer.enqueue(sealed, summary: summaryIsComplete ? summary : nil)
        summary = HourlySummary()
        summaryIsComplete = true
    }

    /// Waits until every queued partition is sealed (used at shutdown and in tests).
    public func waitForSealing() { sealer.waitUntilIdle() }

    public func close() {
        sealer.stop()
        connection.close()
        flock(lockDescriptor, LOCK_UN)
    }

    /// Binds one row. Text and blobs go through ``arena`` (bound in place, not copied by SQLite).
    /// Text comes from the canonical bytes wherever they hold it verbatim (the id, `attrs` and
    /// `changes` always; other fields unless escaped), so most fields are never read as strings
    /// here.
    private func bind(_ record: EventRecord, seq: Int64) {
        let e = record.event
        let s = insert.statement
        let arena = self.arena
        let spans = record.canonical.textSpans
        arena.startRow()
        record.canonical.bytes.withUnsafeBytes { canonical in
            func bindCanonical(_ range: Range<Int>?, at index: Int32) {
                guard let range, !range.isEmpty else {
                    sqlite3_bind_null(s, index)
                    return
                }
                arena.bindText(s, index, UnsafeRawBufferPointer(rebasing: canonical[range]))
            }
            bindCanonical(record.canonical.id, at: 2)
            bindCanonical(record.canonical.changes, at: 30)
            bindCanonical(record.canonical.attrs, at: 32)
            @inline(__always) func text(_ index: Int32, _ field: AuditEvent.TextField, _ value: () -> String?) {
                let span = spans[field]
                if span == 0 {
                    sqlite3_bind_null(s, index)
                } else if span == AuditEvent.TextSpans.useField {
                    arena.bindText(s, index, value())
                } else {
                    let start = Int(span >> 32)
                    let range = start..<(start + Int(span & 0xFFFF_FFFF))
                    arena.bindText(s, index, UnsafeRawBufferPointer(rebasing: canonical[range]))
                }
            }
            text(5, .source) { e.source }
            text(6, .kind) { e.kind }
            text(7, .host) { e.host }
            text(8, .app) { e.app }
            text(9, .actor) { e.actor }
            text(10, .actorID) { e.actorID }
            text(11, .actorRole) { e.actorRole }
            text(12, .actorType) { e.actorType }
            text(13, .impersonator) { e.impersonator }
            text(14, .session) { e.session }
            text(15, .action) { e.action }
            text(16, .category) { e.category }
            text(17, .entityType) { e.entityType }
            text(18, .entityID) { e.entityID }
            text(19, .entityName) { e.entityName }
            text(20, .outcome) { e.outcome }
            text(21, .severity) { e.severity }
            text(22, .ip) { e.ip }
            text(24, .userAgent) { e.userAgent }
            text(25, .method) { e.method }
            text(26, .url) { e.url }
            text(31, .message) { e.message }
            text(33, .raw) { e.raw }
            text(34, .error) { e.error }
        }
        sqlite3_bind_int64(s, 1, seq)
        sqlite3_bind_int64(s, 3, e.time.microseconds)
        sqlite3_bind_int64(s, 4, e.received.microseconds)
        if let ip = record.ip {
            // Network order, so that addresses sort like their numbers.
            var bigEndian = (ip.high.bigEndian, ip.low.bigEndian)
            withUnsafeBytes(of: &bigEndian) { arena.bindBlob(s, 23, $0) }
        } else {
            sqlite3_bind_null(s, 23)
        }
        if let status = e.status { sqlite3_bind_int64(s, 27, Int64(status)) } else { sqlite3_bind_null(s, 27) }
        if let d = e.durationMS { sqlite3_bind_double(s, 28, d) } else { sqlite3_bind_null(s, 28) }
        if let b = e.bytes { sqlite3_bind_int64(s, 29, b) } else { sqlite3_bind_null(s, 29) }
        arena.bindBlob(s, 35, e.prevHash)
        arena.bindBlob(s, 36, e.hash)
    }
}
