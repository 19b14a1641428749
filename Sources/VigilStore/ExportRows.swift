import CSQLite
import VigilCore

/// The formats of `GET /api/v1/export`.
public enum ExportFormat: String, Sendable {
    /// One column per event field (``ExportRows/csvColumns``), cells a spreadsheet will not run as formulas.
    case csv
    /// Canonical JSON with `prev_hash` and `hash`, one event per line.
    case jsonl
}

/// One page of an export, already encoded.
public struct ExportPage: Sendable {
    public var bytes: [UInt8]
    public var rows: Int
    /// Pass as `before` for the next (older) page; `nil` after the last one.
    public var nextCursor: String?
}

/// Export rows written straight from the columns, without decoding an `AuditEvent`: the JSON of
/// `attrs` and `changes` is stored canonical, so it is copied as it is (an export of millions of
/// events ran at ~29,000 rows/s through events, this way several times faster).
public enum ExportRows {
    public static let csvColumns = [
        "id", "time", "received", "source", "kind", "host", "app", "actor", "actor_id", "actor_role", "actor_type",
        "impersonator", "session", "action", "category", "entity_type", "entity_id", "entity_name", "outcome", "severity",
        "ip", "user_agent", "method", "url", "status", "duration_ms", "bytes", "changes", "message", "attrs", "error", "hash",
    ]

    /// How each CSV column is read, with its `Schema.columns` index.
    private enum Cell {
        case text(Int32), time(Int32), integer(Int32), real(Int32), hex(Int32)
    }

    /// In ``csvColumns`` order.
    private static let csvCells: [Cell] = [
        .text(1), .time(2), .time(3), .text(4), .text(5), .text(6), .text(7), .text(8), .text(9), .text(10), .text(11),
        .text(12), .text(13), .text(14), .text(15), .text(16), .text(17), .text(18), .text(19), .text(20), .text(21),
        .text(23), .text(24), .text(25), .integer(26), .real(27), .integer(28), .text(29), .text(30), .text(31), .text(33),
        .hex(35),
    ]

    public static func header(_ format: ExportFormat) -> [UInt8] {
        format == .csv ? Array((csvColumns.joined(separator: ",") + "\r\n").utf8) : []
    }

    static func csv(_ s: SQLiteStatement, into out: inout [UInt8]) {
        let st = s.statement
        for (i, cell) in csvCells.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch cell {
            case .text(let column):
                guard let pointer = sqlite3_column_text(st, column) else { continue }
                appendCell(UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(st, column))), to: &out)
            case .time(let column):
                Timestamp(microseconds: sqlite3_column_int64(st, column)).appendRFC3339(to: &out)
            case .integer(let column):
                guard sqlite3_column_type(st, column) != SQLITE_NULL else { continue }
                out.append(contentsOf: String(sqlite3_column_int64(st, column)).utf8)
            case .real(let column):
                guard sqlite3_column_type(st, column) != SQLITE_NULL else { continue }
                appendCell(JSONWriter.format(sqlite3_column_double(st, column)), to: &out)
            case .hex(let column):
                appendHex(st, column, to: &out)
            }
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    static func jsonl(_ s: SQLiteStatement, into out: inout [UInt8], row: inout JSONRowBuffer) {
        row.removeAll()
        ChainRow.encodeWithChain(s, into: &row)
        out.append(contentsOf: row.bytes)
        out.append(0x0A)
    }

    private static func appendHex(_ st: OpaquePointer, _ column: Int32, to out: inout [UInt8]) {
        guard sqlite3_column_type(st, column) != SQLITE_NULL else { return }
        ChainRow.appendHex(ChainRow.bytes(st, column), to: &out)
    }

    /// One CSV cell: quoted when needed, and neutralised with a leading `'` when it starts with a
    /// character a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return).
    public static func appendCell(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { appendCell($0, to: &out) }
    }

    /// Whether the text holds a comma, a quote, CR or LF; eight bytes at a time.
    static func needsQuotes(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        @inline(__always) func has(_ word: UInt64, _ byte: UInt64) -> UInt64 {
            let x = word ^ (ones &* byte)
            return (x &- ones) & ~x
        }
        var i = 0
        while i + 8 <= utf8.count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            if (has(w, 0x2C) | has(w, 0x22) | has(w, 0x0A) | has(w, 0x0D)) & 0x8080_8080_8080_8080 != 0 { return true }
            i += 8
        }
        while i < utf8.count {
            let b = utf8[i]
            if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { return true }
            i += 1
        }
        return false
    }

    static func appendCell(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let first = utf8.first
        let risky = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
        let quote = risky || needsQuotes(utf8)
        guard quote else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(0x22)
        if risky { out.append(UInt8(ascii: "'")) }
        for byte in utf8 {
            if byte == 0x22 { out.append(0x22) }
            out.append(byte)
        }
        out.append(0x22)
    }
}

extension StoreReader {
    /// One page of matching events, newest first, encoded for export.
    public func exportPage(
        _ filter: Filter, format: ExportFormat, limit: Int, before cursor: EventCursor?, now: Timestamp
    ) throws(StoreError) -> ExportPage {
        // Rows are written one after another into one buffer and kept as ranges; the page is that
        // buffer itself when the rows came in page order (one partition), else its ranges in order.
        var arena = JSONWriter(capacity: min(limit, 10_000) * 512)
        var row = JSONRowBuffer(capacity: 16_384)
        defer { row.deallocate() }
        let page = try rows(filter, limit: limit, before: cursor, now: now) { stmt -> Range<Int> in
            let start = arena.bytes.count
            switch format {
            case .csv: ExportRows.csv(stmt, into: &arena.bytes)
            case .jsonl: ExportRows.jsonl(stmt, into: &arena.bytes, row: &row)
            }
            return start..<arena.bytes.count
        }
        var contiguous = 0
        for row in page.rows where contiguous >= 0 {
            contiguous = row.value.lowerBound == contiguous ? row.value.upperBound : -1
        }
        if contiguous == arena.bytes.count {
            return ExportPage(bytes: arena.bytes, rows: page.rows.count, nextCursor: page.nextCursor)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(page.rows.reduce(0) { $0 + $1.value.count })
        for row in page.rows { bytes += arena.bytes[row.value] }
        return ExportPage(bytes: bytes, rows: page.rows.count, nextCursor: page.nextCursor)
    }
}
