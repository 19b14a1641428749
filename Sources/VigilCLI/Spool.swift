import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A crash-safe, bounded local spool of encoded event lines, for events that could not reach the daemon.
///
/// Each `append` is one file, written under a temporary name, fsynced, renamed into place and the
/// directory fsynced: after a crash the whole batch is there or none of it. Names sort in order of
/// adding, so `flush` delivers oldest first.
///
/// ```
/// DIR/
///   .lock                                   flock(LOCK_EX) while flushing
///   .tmp-<µs>-<pid>-<seq>                   being written; removed by flush after an hour
///   <µs:20>-<pid:10>-<seq:10>-<entries>-<bytes>.spool
///   corrupt/<name>.spool                    failed validation; kept for a human
///
/// file:  "vigil-spool 1 <entries> <FNV-1a 64 of the body, 16 hex digits>\n"
///        <entry 1> "\n" ... <entry N> "\n"          (body; entries never contain "\n")
/// ```
///
/// The counts in the name make the limit check and `pendingCount` a directory listing; the header
/// is what `flush` trusts. Order is exact within a process (the time never goes back, a counter
/// breaks ties); across processes it is the time the file was named, and a file renamed into place
/// after a concurrent flush listed the directory waits for the next flush. Concurrent appends from
/// several processes may overshoot the limits by one batch each.
struct Spool: Sendable {
    static let header = "vigil-spool"
    static let version = 1
    static let staleTemporaryAge: Int = 3600

    let directory: String
    let maxBytes: Int
    let maxEntries: Int

    /// Opens the spool, creating the directory (mode 0700) and its parents when missing.
    init(directory: String, maxBytes: Int = 64 << 20, maxEntries: Int = 100_000) throws(SpoolError) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
        try Self.makeDirectory(self.directory)
    }

    // MARK: - Appending

    /// Appends `entries` atomically: after a crash all of them are pending or none.
    ///
    /// - Throws: `.full` when the limits would be exceeded, `.invalidEntry` for an entry with a newline,
    ///   `.io` naming the failed operation.
    func append(_ entries: [[UInt8]]) throws(SpoolError) {
        guard !entries.isEmpty else { return }
        if let index = entries.firstIndex(where: { $0.contains(10) }) { throw .invalidEntry(index: index) }
        var body: [UInt8] = []
        body.reserveCapacity(entries.reduce(entries.count) { $0 + $1.count })
        for entry in entries {
            body += entry
            body.append(10)
        }
        let checksum = Self.hex(Self.fnv1a(body[...]))
        let contents = Array("\(Self.header) \(Self.version) \(entries.count) \(checksum)\n".utf8) + body

        let usage = try usage()
        if usage.entries + entries.count > maxEntries || usage.bytes + contents.count > maxBytes {
            throw .full(
                directory: directory, pendingEntries: usage.entries, pendingBytes: usage.bytes,
                maxEntries: maxEntries, maxBytes: maxBytes)
        }

        let stamp = SpoolSequence.shared.next()
        let pid = Int(getpid())
        let name = "\(Self.pad(stamp.micros, 20))-\(Self.pad(pid, 10))-\(Self.pad(stamp.counter, 10))"
            + "-\(entries.count)-\(contents.count).spool"
        let temporary = "\(directory)/.tmp-\(stamp.micros)-\(pid)-\(stamp.counter)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: temporary, errno: errno, operation: "create") }
        var isOpen = true
        defer { if isOpen { close(fd) } }
        do throws(SpoolError) {
            try Self.writeAll(contents, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw .io(path: temporary, errno: errno, operation: "fsync") }
            isOpen = false
            guard close(fd) == 0 else { throw .io(path: temporary, errno: errno, operation: "close") }
            guard rename(temporary, "\(directory)/\(name)") == 0 else {
                throw .io(path: temporary, errno: errno, operation: "rename")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try Self.syncDirectory(directory)
    }

    // MARK: - Flushing

    /// Delivers pending files oldest first, one `deliver` call per file, under an exclusive lock on `DIR/.lock`.
    ///
    /// A delivered file is removed and the directory fsynced before the next. When `deliver` throws, the
    /// flush stops and that file and the rest stay (the closure can keep the error). Temporary files older
    /// than an hour are removed; a file that fails validation is moved to `DIR/corrupt/` (`corruptCount`);
    /// a file from a newer format version is left for the newer vigil.
    ///
    /// - Parameter wait: wait for another process's flush to finish; when false, return `(0, pending files)`.
    /// - Returns: the entries delivered and the spool files left in the directory.
    func flush(wait: Bool, deliver: ([[UInt8]]) throws -> Void) throws(SpoolError) -> (delivered: Int, remaining: Int) {
        let lockPath = "\(directory)/.lock"
        let lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw .io(path: lockPath, errno: errno, operation: "open") }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return (0, try spoolNames().count) }
            throw .io(path: lockPath, errno: errno, operation: "lock")
        }

        let names = try listDirectory()
        removeStaleTemporaries(names)
        var delivered = 0
        let pending = names.filter(Self.isSpoolName).sorted()
        for (index, name) in pending.enumerated() {
            let path = "\(directory)/\(name)"
            guard let contents = try Self.readFile(path) else { continue }
            switch Self.decode(contents) {
            case .corrupt:
                try moveAside(name)
            case .newerVersion:
                continue
            case .entries(let entries) where entries.count != Self.parseName(name)?.entries:
                try moveAside(name)
            case .entries(let entries):
                if !entries.isEmpty {
                    do { try deliver(entries) } catch { return (delivered, pending.count - index) }
                }
                guard unlink(path) == 0 || errno == ENOENT else {
                    throw .io(path: path, errno: errno, operation: "remove")
                }
                try Self.syncDirectory(directory)
                delivered += entries.count
            }
        }
        return (delivered, try spoolNames().count)
    }

    /// Entries waiting in the spool (from the file names; 0 when the directory cannot be read).
    var pendingCount: Int { (try? usage().entries) ?? 0 }

    /// Files moved to `DIR/corrupt/` so far.
    var corruptCount: Int {
        ((try? Self.names(in: "\(directory)/corrupt")) ?? []).filter { $0.hasSuffix(".spool") }.count
    }

    // MARK: - File format

    enum Decoded: Equatable {
        case entries([[UInt8]])
        case corrupt
        case newerVersion
    }

    static func decode(_ contents: [UInt8]) -> Decoded {
        guard let headerEnd = contents.firstIndex(of: 10) else { return .corrupt }
        let fields = contents[..<headerEnd].split(separator: 32).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count >= 2, fields[0] == header, let version = Int(fields[1]) else { return .corrupt }
        guard version <= Self.version else { return .newerVersion }
        guard version == Self.version, fields.count == 4, let count = Int(fields[2]), count >= 0 else {
            return .corrupt
        }
        let body = contents[(headerEnd + 1)...]
        guard body.last == 10 || (count == 0 && body.isEmpty), hex(fnv1a(body)) == fields[3] else { return .corrupt }
        let lines = body.split(separator: 10, omittingEmptySubsequences: false).dropLast()
        guard lines.count == count else { return .corrupt }
        return .entries(lines.map { Array($0) })
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func pad<Number: BinaryInteger>(_ value: Number, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: - Directory

    static func isSpoolName(_ name: String) -> Bool { parseName(name) != nil }

    /// `(entries, bytes)` from `<µs:20>-<pid:10>-<seq:10>-<entries>-<bytes>.spool`.
    private static func parseName(_ name: String) -> (entries: Int, bytes: Int)? {
        // Bytes, not Characters: a run lists the spool several times, and it may hold thousands of files.
        let suffix = Array(".spool".utf8)
        var utf8 = Array(name.utf8)
        guard utf8.count > suffix.count, utf8.suffix(suffix.count).elementsEqual(suffix) else { return nil }
        utf8.removeLast(suffix.count)
        var fields: [Int] = []
        var lengths: [Int] = []
        var value = 0
        var length = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "-") {
                guard length > 0 else { return nil }
                fields.append(value)
                lengths.append(length)
                (value, length) = (0, 0)
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && length < 20 {
                value = value &* 10 &+ Int(byte - UInt8(ascii: "0"))
                length += 1
            } else {
                return nil
            }
        }
        guard length > 0 else { return nil }
        fields.append(value)
        lengths.append(length)
        guard fields.count == 5, lengths[0] == 20, lengths[1] == 10, lengths[2] == 10, value >= 0, fields[3] >= 0
        else { return nil }
        return (fields[3], fields[4])
    }

    private func usage() throws(SpoolError) -> (entries: Int, bytes: Int) {
        var total = (entries: 0, bytes: 0)
        for name in try listDirectory() {
            guard let counts = Self.parseName(name) else { continue }
            total.entries += counts.entries
            total.bytes += counts.bytes
        }
        return total
    }

    private func listDirectory() throws(SpoolError) -> [String] { try Self.names(in: directory) }

    private func spoolNames() throws(SpoolError) -> [String] { try listDirectory().filter(Self.isSpoolName) }

    private func removeStaleTemporaries(_ names: [String]) {
        let cutoff = time(nil) - Self.staleTemporaryAge
        for name in names where name.hasPrefix(".tmp-") {
            var info = stat()
            let path = "\(directory)/\(name)"
            if lstat(path, &info) == 0 && info.st_mtim.tv_sec < cutoff { unlink(path) }
        }
    }

    private func moveAside(_ name: String) throws(SpoolError) {
        let corrupt = "\(directory)/corrupt"
        if mkdir(corrupt, 0o700) != 0 && errno != EEXIST { throw .io(path: corrupt, errno: errno, operation: "create") }
        guard rename("\(directory)/\(name)", "\(corrupt)/\(name)") == 0 else {
            throw .io(path: "\(directory)/\(name)", errno: errno, operation: "move aside")
        }
        try Self.syncDirectory(corrupt)
        try Self.syncDirectory(directory)
    }

    private static func names(in directory: String) throws(SpoolError) -> [String] {
        guard let handle = opendir(directory) else { throw .io(path: directory, errno: errno, operation: "list") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func makeDirectory(_ path: String) throws(SpoolError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/\(component)"
            if mkdir(prefix, 0o700) == 0 {
                try syncDirectory(prefix + "/..")
            } else if errno != EEXIST {
                throw .io(path: prefix, errno: errno, operation: "create")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .io(path: path, errno: errno, operation: "stat") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .io(path: path, errno: ENOTDIR, operation: "open") }
    }

    private static func syncDirectory(_ path: String) throws(SpoolError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, errno: errno, operation: "open") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: path, errno: errno, operation: "fsync") }
    }

    /// The whole file, or nil when it no longer exists.
    private static func readFile(_ path: String) throws(SpoolError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw .io(path: path, errno: errno, operation: "open") }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io(path: path, errno: errno, operation: "read") }
            if n == 0 { return contents }
            contents += chunk[0..<n]
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(SpoolError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .io(path: path, errno: n < 0 ? errno : EIO, operation: "write") }
            offset += n
        }
    }
}

enum SpoolError: Error, CustomStringConvertible {
    case full(directory: String, pendingEntries: Int, pendingBytes: Int, maxEntries: Int, maxBytes: Int)
    case invalidEntry(index: Int)
    case io(path: String, errno: Int32, operation: String)

    var description: String {
        switch self {
        case .full(let directory, let entries, let bytes, let maxEntries, let maxBytes):
            return "the spool \(directory) is full (\(entries) entries, \(bytes) bytes pending; "
                + "limits \(maxEntries) entries, \(maxBytes) bytes)"
        case .invalidEntry(let index):
            return "spool entry \(index) contains a newline"
        case .io(let path, let code, let operation):
            return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// Process-wide (time, counter) for file names: the time never goes back within the process.
private final class SpoolSequence: @unchecked Sendable {  // `last` and `counter` guarded by `lock`
    static let shared = SpoolSequence()

    private let lock = NSLock()
    private var last: UInt64 = 0
    private var counter: UInt64 = 0

    func next() -> (micros: UInt64, counter: UInt64) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let micros = UInt64(max(0, now.tv_sec)) * 1_000_000 + UInt64(max(0, now.tv_nsec)) / 1_000
        lock.lock()
        defer { lock.unlock() }
        last = max(last, micros)
        counter += 1
        return (last, counter)
    }
}
