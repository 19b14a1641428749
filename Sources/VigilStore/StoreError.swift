/// Errors of the event store; each names the file or statement involved.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case open(path: String, message: String)
    case sqlite(path: String, code: Int32, message: String, sql: String)
    case corrupt(path: String, reason: String)
    case io(path: String, reason: String)
    case invalidCursor(String)
    case locked(path: String)

    public var description: String {
        switch self {
        case .open(let path, let message): return "cannot open the store file \(path): \(message)"
        case .sqlite(let path, let code, let message, let sql):
            let short = sql.count > 120 ? String(sql.prefix(120)) + "…" : sql
            return "SQLite error \(code) in \(path): \(message) (while running: \(short))"
        case .corrupt(let path, let reason): return "the store file \(path) is not usable: \(reason)"
        case .io(let path, let reason): return "store I/O failed at \(path): \(reason)"
        case .invalidCursor(let text): return "the cursor '\(text)' is not one this store issued"
        case .locked(let path):
            return "the store \(path) is in use by another writer (is `vigil serve` already running on this data directory?)"
        }
    }
}
