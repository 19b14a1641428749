import Foundation
import VigilCore

/// One group of ``StoreReader/count(_:by:now:limit:)``.
public struct GroupCount: Sendable, Equatable {
    public var values: [String?]
    public var count: Int64
}

/// One row of the per-hour summary: events in one hour with one (kind, action, outcome, severity).
public struct HourlyCount: Sendable, Equatable {
    public var hour: Int64
    public var kind: String?
    public var action: String
    public var outcome: String?
    public var severity: String?
    public var count: Int64
}

/// Reads behind the web UI and its API: one event by id, grouped counts, per-hour summaries, disk use.
extension StoreReader {
    /// Columns that may be grouped by (names of the event model).
    public static let groupableColumns: Set<String> = [
        "source", "kind", "host", "app", "actor", "actor_role", "actor_type", "session", "action", "category",
        "entity_type", "outcome", "severity", "ip", "method", "status",
    ]

    /// The event with this id. Sealed partitions answer from their id index; the open one is scanned.
    public func event(id: String) throws(StoreError) -> StoredEvent? {
        for partition in try refreshed().reversed() {
            let stmt = try partition.connection.prepare("SELECT " + EventRow.selectList + " FROM events WHERE id = ? LIMIT 1")
            try stmt.bind([.text(id)])
            if try stmt.step() { return StoredEvent(seq: stmt.int(0), event: EventRow.decode(stmt)) }
        }
        return nil
    }

    /// Matching events counted per distinct value of `columns` (most frequent first, at most `limit` groups).
    public func count(_ filter: Filter, by columns: [String], now: Timestamp, limit: Int = 1000)
        throws(StoreError) -> [GroupCount]
    {
        let columns = columns.filter(Self.groupableColumns.contains)
        guard !columns.isEmpty else { return [GroupCount(values: [], count: try count(filter, now: now))] }
        var totals: [[String?]: Int64] = [:]
        for partition in try candidates(filter, now: now) {
            let fts = partition.info.state == .sealed ? Schema.ftsTable : nil
            let fragment = filter.sql(FilterSQLOptions(now: now, ftsTable: fts))
            let list = columns.joined(separator: ",")
            let stmt = try partition.connection.prepare(
                "SELECT \(list), count(*) FROM events WHERE (\(fragment.sql)) GROUP BY \(list)")
            try stmt.bind(fragment.bindings)
            while try stmt.step() {
                let values = (0..<columns.count).map { stmt.text(Int32($0)) }
                totals[values, default: 0] += stmt.int(Int32(columns.count))
            }
        }
        return totals.map { GroupCount(values: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : "\($0.values)" < "\($1.values)" }
            .prefix(limit).map { $0 }
    }

    /// How many events match.
    public func count(_ filter: Filter, now: Timestamp) throws(StoreError) -> Int64 {
        var total: Int64 = 0
        for partition in try candidates(filter, now: now) {
            let fts = partition.info.state == .sealed ? Schema.ftsTable : nil
            let fragment = filter.sql(FilterSQLOptions(now: now, ftsTable: fts))
            let stmt = try partition.connection.prepare("SELECT count(*) FROM events WHERE (\(fragment.sql))")
            try stmt.bind(fragment.bindings)
            if try stmt.step() { total += stmt.int(0) }
        }
        return total
    }

    /// Per-hour counts for hours in `[from, to)`: sealed partitions answer from the summary built
    /// at sealing; open partitions are counted on the spot.
    public func hourlyCounts(from: Timestamp, to: Timestamp) throws(StoreError) -> [HourlyCount] {
        let hourMicros: Int64 = 3_600_000_000
        let fromHour = from.microseconds / hourMicros
        let toHour = (to.microseconds + hourMicros - 1) / hourMicros
        var totals: [HourlyKey: Int64] = [:]
        for partition in try refreshed() {
            guard let minTime = partition.info.minTime, let maxTime = partition.info.maxTime,
                maxTime.microseconds >= from.microseconds, minTime.microseconds < to.microseconds
            else { continue }
            if partition.info.state == .sealed {
                let stmt = try partition.connection.prepare(
                    "SELECT hour, kind, action, outcome, severity, count FROM summary_hourly WHERE hour >= ? AND hour < ?")
                try stmt.bind([.int(fromHour), .int(toHour)])
                while try stmt.step() {
                    let key = HourlyKey(
                        hour: stmt.int(0), kind: stmt.text(1), action: stmt.text(2) ?? "", outcome: stmt.text(3),
                        severity: stmt.text(4))
                    totals[key, default: 0] += stmt.int(5)
                }
            } else {
                for (key, count) in try openPartitionHourly(partition) where key.hour >= fromHour && key.hour < toHour {
                    totals[key, default: 0] += count
                }
            }
        }
        return totals.map {
            HourlyCount(
                hour: $0.key.hour, kind: $0.key.kind, action: $0.key.action, outcome: $0.key.outcome,
                severity: $0.key.severity, count: $0.value)
        }.sorted { $0.hour < $1.hour }
    }

    /// The open partition's per-hour counts: only rows added since the last call are read.
    private func openPartitionHourly(_ partition: CachedPartition) throws(StoreError) -> [HourlyKey: Int64] {
        try partition.hourly.withLock { (cache) throws(StoreError) -> [HourlyKey: Int64] in
            let stmt = try partition.connection.prepare("""
                SELECT time / 3600000000, kind, action, outcome, severity, count(*), max(seq) FROM events
                WHERE seq > ? GROUP BY 1, 2, 3, 4, 5
                """)
            try stmt.bind([.int(cache.lastSeq)])
            var last = cache.lastSeq
            while try stmt.step() {
                let key = HourlyKey(
                    hour: stmt.int(0), kind: stmt.text(1), action: stmt.text(2) ?? "", outcome: stmt.text(3), severity: stmt.text(4))
                cache.counts[key, default: 0] += stmt.int(5)
                last = max(last, stmt.int(6))
            }
            cache.lastSeq = last
            return cache.counts
        }
    }

    /// Bytes on disk of the store (partitions with their WAL files).
    public func diskUsage() -> Int64 {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var total: Int64 = 0
        for name in names {
            var status = stat()
            if stat(directory + "/" + name, &status) == 0 { total += Int64(status.st_size) }
        }
        return total
    }

    /// Partitions whose time range can hold matches of `filter`, newest first.
    func candidates(_ filter: Filter, now: Timestamp) throws(StoreError) -> [CachedPartition] {
        let bounds = filter.timeBounds(now: now)
        return try refreshed().filter { p in
            guard let minTime = p.info.minTime, let maxTime = p.info.maxTime else { return false }
            if let lower = bounds.lower, maxTime < lower { return false }
            if let upper = bounds.upper, minTime > upper { return false }
            return true
        }.reversed()
    }
}

/// The grouping of the per-hour summary.
struct HourlyKey: Hashable, Sendable {
    var hour: Int64
    var kind: String?
    var action: String
    var outcome: String?
    var severity: String?
}
