import CSQLite
import VigilCore

/// What verification needs of one stored event, read straight from the row: the canonical bytes
/// the chain hashed are rebuilt from the columns (`attrs` and `changes` are stored in their
/// canonical JSON already), without decoding an `AuditEvent`. The buffers point into SQLite's
/// row and a reused writer: they are valid only inside the `forEachChainRow` callback.
public struct ChainRow {
    public var seq: Int64
    /// The id column's text.
    public var id: UnsafeRawBufferPointer
    public var time: Timestamp
    /// The event's canonical JSON without `prev_hash` and `hash`.
    public var canonical: UnsafeRawBufferPointer
    public var prevHash: UnsafeRawBufferPointer
    public var hash: UnsafeRawBufferPointer
    /// For a retention receipt (`kind: system`, `action: purge`), the sequence range it purged.
    public var purgedRange: ClosedRange<Int64>?

    /// Mirrors `AuditEvent.encode(into:includeChain: false)` over the `Schema.columns` order.
    static func encode(_ s: SQLiteStatement, into w: inout JSONWriter) {
        let st = s.statement
        func string(_ column: Int32) {
            if let pointer = sqlite3_column_text(st, column) {
                w.write(utf8: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(st, column))))
            } else {
                w.raw("\"\"")
            }
        }
        func verbatim(_ column: Int32) {
            guard let pointer = sqlite3_column_text(st, column) else { return }
            w.bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(st, column))))
        }
        func field(_ name: StaticString, _ column: Int32) {
            guard sqlite3_column_type(st, column) != SQLITE_NULL else { return }
            w.raw(",\"")
            w.raw(name)
            w.raw("\":")
            string(column)
        }
        w.raw("{\"id\":")
        string(1)
        w.raw(",\"time\":\"")
        Timestamp(microseconds: sqlite3_column_int64(st, 2)).appendRFC3339(to: &w.bytes)
        w.raw("\",\"received\":\"")
        Timestamp(microseconds: sqlite3_column_int64(st, 3)).appendRFC3339(to: &w.bytes)
        w.raw("\",\"source\":")
        string(4)
        field("kind", 5)
        field("host", 6)
        field("app", 7)
        field("actor", 8)
        field("actor_id", 9)
        field("actor_role", 10)
        field("actor_type", 11)
        field("impersonator", 12)
        field("session", 13)
        w.raw(",\"action\":")
        string(14)
        field("category", 15)
        field("entity_type", 16)
        field("entity_id", 17)
        field("entity_name", 18)
        field("outcome", 19)
        field("severity", 20)
        field("ip", 21)
        field("user_agent", 23)
        field("method", 24)
        field("url", 25)
        if sqlite3_column_type(st, 26) != SQLITE_NULL {
            w.raw(",\"status\":")
            w.write(sqlite3_column_int64(st, 26))
        }
        if sqlite3_column_type(st, 27) != SQLITE_NULL {
            w.raw(",\"duration_ms\":")
            w.write(sqlite3_column_double(st, 27))
        }
        if sqlite3_column_type(st, 28) != SQLITE_NULL {
            w.raw(",\"bytes\":")
            w.write(sqlite3_column_int64(st, 28))
        }
        if sqlite3_column_type(st, 29) != SQLITE_NULL {
            w.raw(",\"changes\":")
            verbatim(29)
        }
        field("message", 30)
        if sqlite3_column_type(st, 31) != SQLITE_NULL {
            w.raw(",\"attrs\":")
            verbatim(31)
        }
        field("raw", 32)
        field("error", 33)
        w.raw("}")
    }

    /// The row as `AuditEvent.jsonBytes(includeChain: true)` writes the event: the canonical JSON
    /// with `prev_hash` and `hash` (lowercase hex) as its last members, when they are set.
    static func encodeWithChain(_ s: SQLiteStatement, into w: inout JSONWriter) {
        encode(s, into: &w)
        w.bytes.removeLast()  // the closing brace
        let st = s.statement
        if sqlite3_column_type(st, 34) != SQLITE_NULL {
            w.raw(",\"prev_hash\":\"")
            appendHex(bytes(st, 34), to: &w.bytes)
            w.raw("\"")
        }
        if sqlite3_column_type(st, 35) != SQLITE_NULL {
            w.raw(",\"hash\":\"")
            appendHex(bytes(st, 35), to: &w.bytes)
            w.raw("\"")
        }
        w.raw("}")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendHex(_ value: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        for byte in value {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0xF)])
        }
    }

    static func bytes(_ st: OpaquePointer, _ column: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: sqlite3_column_blob(st, column), count: Int(sqlite3_column_bytes(st, column)))
    }

    static func isPurgeReceipt(_ st: OpaquePointer) -> Bool {
        func equals(_ column: Int32, _ text: StaticString) -> Bool {
            let value = bytes(st, column)
            return value.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        return equals(14, "purge") && equals(5, "system") && equals(7, "vigil-archiver")
    }

    static func purgedRange(_ s: SQLiteStatement) -> ClosedRange<Int64>? {
        guard let attrs = s.text(31).flatMap({ try? JSONParser.parse($0) }),
            let first = attrs["first_seq"]?.intValue, let last = attrs["last_seq"]?.intValue, first <= last
        else { return nil }
        return first...last
    }
}

/// One stored event as its archive line, read straight from the row like ``ChainRow``. The buffers
/// point into SQLite's row and a reused writer: they are valid only inside the callback.
public struct ArchiveRow {
    public var seq: Int64
    public var time: Timestamp
    /// The event's JSONL line with its chain fields, without the newline: byte for byte what
    /// `AuditEvent.jsonBytes(includeChain: true)` gives for the decoded event.
    public var line: UnsafeRawBufferPointer
    /// Empty when the column is NULL.
    public var prevHash: UnsafeRawBufferPointer
    public var hash: UnsafeRawBufferPointer
}

extension StoreReader {
    /// Calls `body` for each stored event in chain order with `seq > afterSeq`, at most `limit`,
    /// until it returns false: the archiver's read, with no `AuditEvent` decoded and encoded again.
    /// - Returns: how many rows were given to `body`.
    @discardableResult
    public func forEachArchiveRow(afterSeq: Int64, limit: Int, _ body: (ArchiveRow) -> Bool) throws(StoreError) -> Int {
        var writer = JSONWriter(capacity: 4096)
        return try forEachRow(afterSeq: afterSeq, limit: limit) { stmt in
            writer.bytes.removeAll(keepingCapacity: true)
            ChainRow.encodeWithChain(stmt, into: &writer)
            let st = stmt.statement
            return writer.bytes.withUnsafeBytes { line in
                body(ArchiveRow(
                    seq: stmt.int(0), time: Timestamp(microseconds: stmt.int(2)), line: line,
                    prevHash: ChainRow.bytes(st, 34), hash: ChainRow.bytes(st, 35)))
            }
        }
    }

    /// Calls `body` for each stored event in chain order with `seq > afterSeq`, at most `limit`.
    /// - Returns: how many rows were read.
    @discardableResult
    public func forEachChainRow(afterSeq: Int64, limit: Int, _ body: (ChainRow) -> Void) throws(StoreError) -> Int {
        var writer = JSONWriter(capacity: 4096)
        return try forEachRow(afterSeq: afterSeq, limit: limit) { stmt in
            writer.bytes.removeAll(keepingCapacity: true)
            ChainRow.encode(stmt, into: &writer)
            let st = stmt.statement
            let purged = ChainRow.isPurgeReceipt(st) ? ChainRow.purgedRange(stmt) : nil
            writer.bytes.withUnsafeBytes { canonical in
                body(ChainRow(
                    seq: stmt.int(0), id: ChainRow.bytes(st, 1), time: Timestamp(microseconds: stmt.int(2)),
                    canonical: canonical, prevHash: ChainRow.bytes(st, 34), hash: ChainRow.bytes(st, 35),
                    purgedRange: purged))
            }
            return true
        }
    }

    /// Steps through the rows with `seq > afterSeq` in chain order, at most `limit`, until `row`
    /// returns false. Each partition is read on a connection of its own (no per-call locking;
    /// sealed files through a memory map), opened for this walk only.
    private func forEachRow(afterSeq: Int64, limit: Int, _ row: (SQLiteStatement) -> Bool) throws(StoreError) -> Int {
        var count = 0
        for info in try partitions() where (info.lastSeq ?? 0) > afterSeq {
            let connection = try SQLiteConnection(path: info.path, readOnly: true)
            defer { connection.close() }
            if info.state == .sealed { connection.mapForReading() }
            let stmt = try connection.prepare(
                "SELECT " + EventRow.selectList + " FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            try stmt.bind([.int(afterSeq), .int(Int64(limit - count))])
            while try stmt.step() {
                count += 1
                if !row(stmt) { return count }
            }
            if count >= limit { break }
        }
        return count
    }
}
