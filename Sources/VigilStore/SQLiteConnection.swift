import CSQLite

/// A thin owner of one `sqlite3*` handle. Not thread-safe by itself: each user keeps its
/// connection on one thread or behind a lock (SQLite is also built serialized on Debian).
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?

    /// - Parameters:
    ///   - readOnly: open for reading only (queries, verification).
    ///   - shared: the connection is used from several threads; SQLite serializes its calls.
    init(path: String, readOnly: Bool = false, shared: Bool = false) throws(StoreError) {
        self.path = path
        _ = SQLiteConnection.configured
        var db: OpaquePointer?
        let threading = shared ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | threading
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw .open(path: path, message: message)
        }
        handle = db
        sqlite3_busy_timeout(db, 5_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    /// Process-wide settings, applied once before the first connection opens.
    private static let configured: Void = { _ = vigil_sqlite_disable_memory_statistics() }()

    /// Reads the file through a memory map (`PRAGMA mmap_size`, up to SQLite's 2 GiB limit), for
    /// sealed partitions only: they are never changed in place (retention swaps in a new file), so
    /// the map cannot see the file shrink. Newest-first pages walk the file backwards, which the
    /// kernel's readahead does not follow with `pread` but does with map faults: a cold export read
    /// ~5x faster this way.
    func mapForReading() {
        guard let handle else { return }
        sqlite3_exec(handle, "PRAGMA mmap_size=2147418112", nil, nil, nil)
    }

    func close() {
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    var lastErrorMessage: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    func error(_ code: Int32, _ sql: String) -> StoreError {
        .sqlite(path: path, code: code, message: lastErrorMessage, sql: sql)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(message)
            throw .sqlite(path: path, code: rc, message: text, sql: sql)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        return SQLiteStatement(connection: self, statement: stmt, sql: sql)
    }

    /// The first column of the first row, as an integer (or nil).
    func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws(StoreError) -> Int64? {
        let stmt = try prepare(sql)
        try stmt.bind(bindings)
        guard try stmt.step() else { return nil }
        return stmt.isNull(0) ? nil : stmt.int(0)
    }

    func scalarText(_ sql: String, _ bindings: [SQLValue] = []) throws(StoreError) -> String? {
        let stmt = try prepare(sql)
        try stmt.bind(bindings)
        guard try stmt.step() else { return nil }
        return stmt.text(0)
    }
}

/// A prepared statement. Reset before reuse with `reset()`.
final class SQLiteStatement {
    let connection: SQLiteConnection
    let statement: OpaquePointer
    let sql: String

    init(connection: SQLiteConnection, statement: OpaquePointer, sql: String) {
        self.connection = connection
        self.statement = statement
        self.sql = sql
    }

    deinit { sqlite3_finalize(statement) }

    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        for (i, value) in values.enumerated() { try bind(value, at: Int32(i + 1)) }
    }

    func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(statement, index)
        case .int(let v): rc = sqlite3_bind_int64(statement, index, v)
        case .double(let v): rc = sqlite3_bind_double(statement, index, v)
        case .text(let v): rc = bindText(v, at: index)
        case .blob(let v):
            rc = v.withUnsafeBytes { raw in
                vigil_bind_blob(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count))
            }
        }
        guard rc == SQLITE_OK else { throw connection.error(rc, sql) }
    }

    func bindText(_ text: String, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                // An empty buffer may have no address; SQLite wants a non-null pointer for ''.
                guard let base = chars.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, nil) }
                return vigil_bind_text(statement, index, base, Int32(chars.count))
            }
        }
    }

    func bindOptional(_ text: String?, at index: Int32) {
        if let text { _ = bindText(text, at: index) } else { sqlite3_bind_null(statement, index) }
    }

    /// Steps once: `true` when a row is ready, `false` when done.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(rc, sql)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8]? {
        guard let pointer = sqlite3_column_blob(statement, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
