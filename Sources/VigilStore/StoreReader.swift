import Foundation
import Synchronization
import VigilCore

/// A page of query results, newest first.
public struct EventPage: Sendable {
    public var events: [StoredEvent]
    /// Pass as `before` to get the next (older) page; `nil` when there is none.
    public var nextCursor: String?
}

/// An event with its position in the store.
public struct StoredEvent: Sendable {
    public var seq: Int64
    public var event: AuditEvent

    public init(seq: Int64, event: AuditEvent) {
        self.seq = seq
        self.event = event
    }
}

/// Where a page ends: the (time, seq) of its last event. Text form `TIME_US-SEQ`.
public struct EventCursor: Sendable, Equatable {
    public var time: Int64
    public var seq: Int64

    public init(time: Int64, seq: Int64) {
        self.time = time
        self.seq = seq
    }

    public init(_ text: String) throws(StoreError) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let time = Int64(parts[0]), let seq = Int64(parts[1]) else {
            throw .invalidCursor(text)
        }
        self.init(time: time, seq: seq)
    }

    public var text: String { "\(time)-\(seq)" }
}

/// Reads the partitioned store; safe to use from many tasks at once, in the daemon or in a
/// separate process (`vigil query` on the data directory).
public final class StoreReader: Sendable {
    public let directory: String
    private let cache = Mutex<[String: CachedPartition]>([:])

    final class CachedPartition: @unchecked Sendable {
        // `connection` is opened in SQLite's serialized mode, so concurrent use is safe;
        // `info` is only replaced under the reader's `cache` mutex.
        let connection: SQLiteConnection
        var info: PartitionInfo
        /// The file's inode when opened: retention may swap in a rewritten file at the same path.
        let inode: UInt64
        /// Per-hour counts of an open partition up to a sequence number, extended as rows arrive.
        let hourly = Mutex<(lastSeq: Int64, counts: [HourlyKey: Int64])>((0, [:]))

        init(connection: SQLiteConnection, info: PartitionInfo, inode: UInt64) {
            self.connection = connection
            self.info = info
            self.inode = inode
        }
    }

    /// Whether sealed partitions are read through a memory map (see `SQLiteConnection.mapForReading`).
    public let memoryMapped: Bool

    /// Whether several threads may query at once (SQLite then locks each connection on every call).
    public let shared: Bool

    /// - Parameters:
    ///   - memoryMapped: for long newest-first scans (exports) over a cold store. The mapped pages count
    ///     in the process's RSS (as file pages the kernel may reclaim) until this reader is released, so
    ///     the daemon's shared reader leaves it off and an export uses a reader of its own.
    ///   - shared: false for a reader that one task uses at a time (an export): its connections skip
    ///     SQLite's per-call mutex, about a tenth of an export's CPU time.
    public init(directory: String, memoryMapped: Bool = false, shared: Bool = true) {
        self.directory = directory
        self.memoryMapped = memoryMapped
        self.shared = shared
    }

    /// Current partitions, oldest first, with fresh state and ranges for the unsealed ones.
    public func partitions() throws(StoreError) -> [PartitionInfo] {
        try refreshed().map(\.info)
    }

    func refreshed() throws(StoreError) -> [CachedPartition] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return []
        }
        var result: [CachedPartition] = []
        for name in names {
            guard let number = PartitionInfo.number(fromFileName: name) else { continue }
            let path = directory + "/" + name
            let cached: CachedPartition
            var status = stat()
            // Retention may drop a sealed partition at any time: one gone since the listing is skipped.
            guard stat(path, &status) == 0 else { continue }
            let inode = UInt64(status.st_ino)
            if let existing = cache.withLock({ $0[path] }), existing.inode == inode {
                cached = existing
                if cached.info.state != .sealed {
                    let info = try PartitionDirectory.read(number: number, path: path, connection: cached.connection)
                    cache.withLock { _ in cached.info = info }
                    if memoryMapped && info.state == .sealed { cached.connection.mapForReading() }
                }
            } else {
                // Once a connection has read, it keeps reading a file unlinked after; before, it fails.
                let connection: SQLiteConnection
                let info: PartitionInfo
                do {
                    connection = try SQLiteConnection(path: path, readOnly: true, shared: shared)
                    info = try PartitionDirectory.read(number: number, path: path, connection: connection)
                } catch {
                    if stat(path, &status) != 0 { continue }
                    throw error
                }
                if memoryMapped && info.state == .sealed { connection.mapForReading() }
                cached = CachedPartition(connection: connection, info: info, inode: inode)
                cache.withLock { $0[path] = cached }
            }
            result.append(cached)
        }
        // Forget files that retention removed.
        let live = Set(result.map(\.info.path))
        cache.withLock { cache in cache = cache.filter { live.contains($0.key) } }
        return result.sorted { $0.info.number < $1.info.number }
    }

    /// Events matching `filter`, newest first (by time, then by arrival), at most `limit`.
    public func query(_ filter: Filter, limit: Int, before cursor: EventCursor? = nil, now: Timestamp)
        throws(StoreError) -> EventPage
    {
        let page = try rows(filter, limit: limit, before: cursor, now: now) { EventRow.decode($0) }
        return EventPage(events: page.rows.map { StoredEvent(seq: $0.seq, event: $0.value) }, nextCursor: page.nextCursor)
    }

    /// One page of matching rows, each turned into `T` straight from its columns by `make`.
    struct RowPage<T> {
        var rows: [(time: Int64, seq: Int64, value: T)]
        var nextCursor: String?
    }

    func rows<T>(
        _ filter: Filter, limit: Int, before cursor: EventCursor?, now: Timestamp, make: (SQLiteStatement) -> T
    ) throws(StoreError) -> RowPage<T> {
        let limit = max(1, limit)
        let bounds = filter.timeBounds(now: now)
        var candidates = try refreshed().filter { p in
            guard let minTime = p.info.minTime, let maxTime = p.info.maxTime else { return false }
            if let lower = bounds.lower, maxTime < lower { return false }
            if let upper = bounds.upper, minTime > upper { return false }
            if let cursor, minTime.microseconds > cursor.time { return false }
            return true
        }
        candidates.sort { ($0.info.maxTime ?? Timestamp(microseconds: 0)) > ($1.info.maxTime ?? Timestamp(microseconds: 0)) }
        var found: [(time: Int64, seq: Int64, value: T)] = []
        for partition in candidates {
            if found.count >= limit, let maxTime = partition.info.maxTime, maxTime.microseconds < found[limit - 1].time {
                break
            }
            try query(partition, filter, limit: limit, before: cursor, now: now) { stmt in
                found.append((stmt.int(2), stmt.int(0), make(stmt)))
            }
            found.sort { ($0.time, $0.seq) > ($1.time, $1.seq) }
            if found.count > limit { found.removeLast(found.count - limit) }
        }
        let next = found.count == limit ? found.last.map { EventCursor(time: $0.time, seq: $0.seq).text } : nil
        return RowPage(rows: found, nextCursor: next)
    }

    private func query(
        _ partition: CachedPartition, _ filter: Filter, limit: Int, before cursor: EventCursor?, now: Timestamp,
        row: (SQLiteStatement) -> Void
    ) throws(StoreError) {
        let fts = partition.info.state == .sealed ? Schema.ftsTable : nil
        let fragment = filter.sql(FilterSQLOptions(now: now, ftsTable: fts))
        var sql = "SELECT " + EventRow.selectList + " FROM events WHERE (" + fragment.sql + ")"
        var bindings = fragment.bindings
        if let cursor {
            // A row value, not `time < ? OR (time = ? AND seq < ?)`: with the OR, SQLite gathers the
            // whole matching range and sorts it for every page (an export of millions went quadratic).
            sql += " AND (time, seq) < (?, ?)"
            bindings += [.int(cursor.time), .int(cursor.seq)]
        }
        sql += " ORDER BY time DESC, seq DESC LIMIT ?"
        bindings.append(.int(Int64(limit)))
        let stmt = try partition.connection.prepare(sql)
        try stmt.bind(bindings)
        while try stmt.step() { row(stmt) }
    }

    /// Events in chain order with `seq > afterSeq`, at most `limit` (verification, export, tail catch-up).
    public func events(afterSeq: Int64, limit: Int) throws(StoreError) -> [StoredEvent] {
        var rows: [StoredEvent] = []
        for partition in try refreshed() {
            guard let lastSeq = partition.info.lastSeq, lastSeq > afterSeq else { continue }
            let stmt = try partition.connection.prepare(
                "SELECT " + EventRow.selectList + " FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            try stmt.bind([.int(afterSeq), .int(Int64(limit - rows.count))])
            while try stmt.step() {
                rows.append(StoredEvent(seq: stmt.int(0), event: EventRow.decode(stmt)))
            }
            if rows.count >= limit { break }
        }
        return rows
    }

    /// The number of stored events.
    public func count() throws(StoreError) -> Int64 {
        try partitions().reduce(0) { $0 + $1.count }
    }
}
