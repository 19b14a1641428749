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

    /// Mirrors `AuditEvent.encode(into:includeChain: false)` over the `Schema.columns` order. A
    /// text column is absent when SQLite gives no text for it (NULL), so one call tells both.
    static func encode(_ s: SQLiteStatement, into w: inout JSONRowBuffer) {
        let st = s.statement
        @inline(__always) func field(_ prefix: StaticString, _ column: Int32, required: Bool = false) {
            if let pointer = sqlite3_column_text(st, column) {
                w.appendString(prefix: prefix, pointer, Int(sqlite3_column_bytes(st, column)))
            } else if required {
                w.appendString(prefix: prefix, prefix.utf8Start, 0)
            }
        }
        @inline(__always) func verbatim(_ prefix: StaticString, _ column: Int32) {
            guard let pointer = sqlite3_column_text(st, column) else { return }
            let n = Int(sqlite3_column_bytes(st, column))
            w.reserve(prefix.utf8CodeUnitCount + n)
            w.put(prefix)
            w.put(pointer, n)
        }
        field("{\"id\":", 1, required: true)
        w.appendTime(prefix: ",\"time\":", Timestamp(microseconds: sqlite3_column_int64(st, 2)))
        w.appendTime(prefix: ",\"received\":", Timestamp(microseconds: sqlite3_column_int64(st, 3)))
        field(",\"source\":", 4, required: true)
        field(",\"kind\":", 5)
        field(",\"host\":", 6)
        field(",\"app\":", 7)
        field(",\"actor\":", 8)
        field(",\"actor_id\":", 9)
        field(",\"actor_role\":", 10)
        field(",\"actor_type\":", 11)
        field(",\"impersonator\":", 12)
        field(",\"session\":", 13)
        field(",\"action\":", 14, required: true)
        field(",\"category\":", 15)
        field(",\"entity_type\":", 16)
        field(",\"entity_id\":", 17)
        field(",\"entity_name\":", 18)
        field(",\"outcome\":", 19)
        field(",\"severity\":", 20)
        field(",\"ip\":", 21)
        field(",\"user_agent\":", 23)
        field(",\"method\":", 24)
        field(",\"url\":", 25)
        if sqlite3_column_type(st, 26) != SQLITE_NULL {
            w.appendInt(prefix: ",\"status\":", sqlite3_column_int64(st, 26))
        }
        if sqlite3_column_type(st, 27) != SQLITE_NULL {
            w.appendDouble(prefix: ",\"duration_ms\":", sqlite3_column_double(st, 27))
        }
        if sqlite3_column_type(st, 28) != SQLITE_NULL {
            w.appendInt(prefix: ",\"bytes\":", sqlite3_column_int64(st, 28))
        }
        verbatim(",\"changes\":", 29)
        field(",\"message\":", 30)
        verbatim(",\"attrs\":", 31)
        field(",\"raw\":", 32)
        field(",\"error\":", 33)
        w.append("}")
    }

    /// The row as `AuditEvent.jsonBytes(includeChain: true)` writes the event: the canonical JSON
    /// with `prev_hash` and `hash` (lowercase hex) as its last members, when they are set.
    static func encodeWithChain(_ s: SQLiteStatement, into w: inout JSONRowBuffer) {
        encode(s, into: &w)
        w.count -= 1  // the closing brace
        let st = s.statement
        @inline(__always) func hex(_ prefix: StaticString, _ column: Int32) {
            guard let blob = sqlite3_column_blob(st, column) else { return }
            let value = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(st, column)))
            w.reserve(prefix.utf8CodeUnitCount + 2 * value.count + 1)
            w.put(prefix)
            for byte in value {
                w.put(JSONWriter.hexDigit(byte >> 4))
                w.put(JSONWriter.hexDigit(byte & 0xF))
            }
            w.put(UInt8(ascii: "\""))
        }
        hex(",\"prev_hash\":\"", 34)
        hex(",\"hash\":\"", 35)
        w.append("}")
    }

    /// Lowercase hex.
    static func appendHex(_ value: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        for byte in value {
            bytes.append(JSONWriter.hexDigit(byte >> 4))
            bytes.append(JSONWriter.hexDigit(byte & 0xF))
        }
    }

    static func bytes(_ st: OpaquePointer, _ column: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: sqlite3_column_blob(st, column), count: Int(sqlite3_column_bytes(st, column)))
    }

    static func isPurgeReceipt(_ st: OpaquePointer) -> Bool {
        func equals(_ column: Int32, _ text: StaticString) -> Bool {
            let value = bytes(st, column)
            guard value.count == text.utf8CodeUnitCount else { return false }
            for i in 0..<value.count where value[i] != text.utf8Start[i] { return false }
            return true
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
        var writer = JSONRowBuffer(capacity: 16_384)
        defer { writer.deallocate() }
        return try forEachRow(afterSeq: afterSeq, limit: limit) { stmt in
            writer.removeAll()
            ChainRow.encodeWithChain(stmt, into: &writer)
            let st = stmt.statement
            return body(ArchiveRow(
                seq: stmt.int(0), time: Timestamp(microseconds: stmt.int(2)), line: writer.bytes,
                prevHash: ChainRow.bytes(st, 34), hash: ChainRow.bytes(st, 35)))
        }
    }

    /// Calls `body` for each stored event in chain order with `seq > afterSeq`, at most `limit`.
    /// - Returns: how many rows were read.
    @discardableResult
    public func forEachChainRow(afterSeq: Int64, limit: Int, _ body: (ChainRow) -> Void) throws(StoreError) -> Int {
        var writer = JSONRowBuffer(capacity: 16_384)
        defer { writer.deallocate() }
        return try forEachRow(afterSeq: afterSeq, limit: limit) { stmt in
            writer.removeAll()
            ChainRow.encode(stmt, into: &writer)
            let st = stmt.statement
            body(ChainRow(
                seq: stmt.int(0), id: ChainRow.bytes(st, 1), time: Timestamp(microseconds: stmt.int(2)),
                canonical: writer.bytes, prevHash: ChainRow.bytes(st, 34), hash: ChainRow.bytes(st, 35),
                purgedRange: ChainRow.isPurgeReceipt(st) ? ChainRow.purgedRange(stmt) : nil))
            return true
        }
    }

    /// Steps through the rows with `seq > afterSeq` in chain order, at most `limit`, until `row`
    /// returns false. Each partition is read on a connection of its own (no per-call locking),
    /// opened for this walk only, with `pread`: a forward walk is what the kernel's readahead
    /// follows, and a memory map's page faults made verify ~12 % slower on sealed files.
    private func forEachRow(afterSeq: Int64, limit: Int, _ row: (SQLiteStatement) -> Bool) throws(StoreError) -> Int {
        var count = 0
        for info in try partitions() where (info.lastSeq ?? 0) > afterSeq {
            let connection = try SQLiteConnection(path: info.path, readOnly: true)
            defer { connection.close() }
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
