import CSQLite

/// Holds one row's text and blob values while its INSERT steps, so they are bound with
/// `SQLITE_STATIC` and SQLite reads them in place.
///
/// `SQLITE_TRANSIENT` makes SQLite copy every bound value into a buffer of its own: a malloc, a copy
/// and a free per column, 30-odd columns per event on the single writer thread. Here each value is
/// copied once into memory the writer reuses row after row.
///
/// A pointer handed out by ``store(_:)`` stays valid until the second ``startRow()`` after it: the
/// statement is stepped and reset before the next row starts, and SQLite never reads a `STATIC`
/// value after that (rebinding a parameter releases nothing it does not own).
final class RowArena {
    private var chunk: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0
    /// Chunks outgrown during the current row; freed when the next row starts.
    private var outgrown: [UnsafeMutableRawPointer] = []

    init(capacity: Int = 64 << 10) {
        self.capacity = max(capacity, 64)
        chunk = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        chunk.deallocate()
        for old in outgrown { old.deallocate() }
    }

    /// Reuses the memory of the previous row, whose statement has been stepped and reset.
    func startRow() {
        used = 0
        if !outgrown.isEmpty {
            for old in outgrown { old.deallocate() }
            outgrown.removeAll(keepingCapacity: true)
        }
    }

    /// A copy of `bytes` that lives until the next row has started; never `nil`, even when empty
    /// (SQLite binds a null pointer as NULL, not as an empty text).
    func store(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawPointer {
        if used + bytes.count > capacity {
            // Values already handed out for this row stay where they are.
            outgrown.append(chunk)
            capacity = max(capacity * 2, bytes.count)
            chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            used = 0
        }
        let destination = chunk + used
        if let source = bytes.baseAddress, bytes.count > 0 {
            destination.copyMemory(from: source, byteCount: bytes.count)
        }
        used += bytes.count
        return UnsafeRawPointer(destination)
    }

    /// Binds `bytes` as text at `index`, in place.
    func bindText(_ statement: OpaquePointer, _ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        let pointer = store(bytes).assumingMemoryBound(to: CChar.self)
        sqlite3_bind_text(statement, index, pointer, Int32(bytes.count), nil)
    }

    /// Binds `text` at `index`, or NULL.
    func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String?) {
        guard let text else {
            sqlite3_bind_null(statement, index)
            return
        }
        let bound: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            bindText(statement, index, UnsafeRawBufferPointer(utf8))
        }
        if bound == nil {
            var copy = text
            copy.withUTF8 { bindText(statement, index, UnsafeRawBufferPointer($0)) }
        }
    }

    /// Binds `bytes` as a blob at `index`, in place.
    func bindBlob(_ statement: OpaquePointer, _ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(statement, index, store(bytes), Int32(bytes.count), nil)
    }

    /// Binds `bytes` as a blob at `index`, or NULL.
    func bindBlob(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else {
            sqlite3_bind_null(statement, index)
            return
        }
        bytes.withUnsafeBytes { bindBlob(statement, index, $0) }
    }
}
