/// Errors of the archive: segments, manifests, keys and retention. Each names the file involved.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    case io(path: String, reason: String)
    case compression(path: String, reason: String)
    case manifest(path: String, reason: String)
    case key(path: String, reason: String)
    case store(String)
    case invalidFilter(String, String)
    case locked(path: String)

    public var description: String {
        switch self {
        case .io(let path, let reason): return "archive I/O failed at \(path): \(reason)"
        case .compression(let path, let reason): return "the segment \(path) cannot be read as gzip: \(reason)"
        case .manifest(let path, let reason): return "the manifest \(path) is not usable: \(reason)"
        case .key(let path, let reason): return "the key file \(path) is not usable: \(reason)"
        case .store(let reason): return "the store failed during archiving: \(reason)"
        case .invalidFilter(let filter, let reason): return "the retention filter '\(filter)' is invalid: \(reason)"
        case .locked(let path): return "the archive \(path) is in use by another archiver (is `vigil serve` running on this data directory?)"
        }
    }
}
