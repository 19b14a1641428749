import Foundation
import VigilCore

/// Retention's only ways to remove events: drop a whole sealed partition file, or rewrite one
/// without some rows (copy the rows to keep into a new file, seal it, swap it in). Rows are never
/// deleted in place: SECURE_DELETE makes that slow, and a swap is atomic for readers.
public enum PartitionMaintenance {
    /// Calls `body` with every event of the partition, in sequence order.
    public static func forEachEvent(
        in info: PartitionInfo, _ body: (StoredEvent) throws(StoreError) -> Void
    ) throws(StoreError) {
        let connection = try SQLiteConnection(path: info.path, readOnly: true)
        defer { connection.close() }
        let stmt = try connection.prepare("SELECT " + EventRow.selectList + " FROM events ORDER BY seq")
        while try stmt.step() {
            try body(StoredEvent(seq: stmt.int(0), event: EventRow.decode(stmt)))
        }
    }

    /// Deletes a sealed partition file (and its WAL files).
    public static func drop(_ info: PartitionInfo) throws(StoreError) {
        guard info.state == .sealed else { throw .corrupt(path: info.path, reason: "only sealed partitions can be dropped") }
        guard unlink(info.path) == 0 else { throw .io(path: info.path, reason: String(cString: strerror(errno))) }
        unlink(info.path + "-wal")
        unlink(info.path + "-shm")
    }

    /// Replaces a sealed partition by a sealed copy without the rows in `removing`.
    public static func rewrite(_ info: PartitionInfo, removing: Set<Int64>) throws(StoreError) {
        guard info.state == .sealed else { throw .corrupt(path: info.path, reason: "only sealed partitions can be rewritten") }
        let temporary = info.path + ".rewrite"
        unlink(temporary)
        unlink(temporary + "-wal")
        unlink(temporary + "-shm")
        do {
            let connection = try SQLiteConnection(path: temporary)
            defer { connection.close() }
            try connection.execute(Schema.pragmas)
            try connection.execute(Schema.v1Partition)
            try connection.execute("CREATE TEMP TABLE purge (seq INTEGER PRIMARY KEY)")
            let source = info.path.replacingOccurrences(of: "'", with: "''")
            try connection.execute("ATTACH DATABASE '\(source)' AS source")
            try connection.execute("BEGIN IMMEDIATE")
            let insert = try connection.prepare("INSERT INTO temp.purge VALUES (?)")
            for seq in removing {
                try insert.bind([.int(seq)])
                _ = try insert.step()
                insert.reset()
            }
            try connection.execute(
                "INSERT INTO main.events SELECT * FROM source.events WHERE seq NOT IN (SELECT seq FROM temp.purge) ORDER BY seq")
            try connection.execute("INSERT OR REPLACE INTO main.partition_meta SELECT * FROM source.partition_meta")
            try connection.execute("COMMIT")
            try connection.execute("DETACH DATABASE source")
        }
        try PartitionSealer.seal(temporary)
        do {
            // Back to a rollback journal so the swapped-in file needs no WAL beside it.
            let connection = try SQLiteConnection(path: temporary)
            defer { connection.close() }
            try connection.execute("PRAGMA journal_mode=DELETE")
        }
        guard rename(temporary, info.path) == 0 else { throw .io(path: info.path, reason: String(cString: strerror(errno))) }
        unlink(info.path + "-wal")
        unlink(info.path + "-shm")
    }
}
