import Foundation

/// The segments directory (`DATA_DIR/archive`): closed segments `sNNNNNNNNNNNN.jsonl.gz` with
/// their manifests, at most one open segment `open.jsonl.gz.part`, and `checkpoints.jsonl`.
public struct ArchiveDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    static let segmentSuffix = ".jsonl.gz"
    static let openName = "open.jsonl.gz.part"
    public static let checkpointsName = "checkpoints.jsonl"

    var openPath: String { path + "/" + ArchiveDirectory.openName }
    var encryptedOpenPath: String { path + "/open.jsonl.gz.enc.part" }
    public var checkpointsPath: String { path + "/" + ArchiveDirectory.checkpointsName }

    static func segmentName(firstSeq: Int64) -> String {
        let digits = String(firstSeq)
        return "s" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + segmentSuffix
    }

    public func segmentPath(_ manifest: SegmentManifest) -> String { path + "/" + manifest.segment }

    public func create() throws(ArchiveError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .io(path: path, reason: "cannot create the directory: \(error)")
        }
    }

    /// Closed segments' manifests, oldest first. A missing directory is an empty archive.
    public func manifests() throws(ArchiveError) -> [SegmentManifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var result: [SegmentManifest] = []
        for name in names where name.hasSuffix(SegmentManifest.suffix) {
            result.append(try SegmentManifest.read(path + "/" + name))
        }
        return result.sorted { $0.firstSeq < $1.firstSeq }
    }

    /// Removes what a crash left half-done: the open segment, temporary manifests, and segment
    /// files whose manifest was never written. Their events are still in the store (retention
    /// deletes only what a closed manifest covers), so the next segment writes them again.
    public func recover() throws(ArchiveError) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let manifests = Set(names.filter { $0.hasSuffix(SegmentManifest.suffix) })
        var removed: [String] = []
        for name in names {
            let isSegment = name.hasSuffix(ArchiveDirectory.segmentSuffix)
                || name.hasSuffix(ArchiveDirectory.segmentSuffix + SegmentCipher.suffix)
            let orphan = isSegment && !manifests.contains(name + SegmentManifest.suffix)
            if name.hasSuffix(".part") || name.hasSuffix(".tmp") || orphan {
                unlink(path + "/" + name)
                removed.append(name)
            }
        }
        return removed
    }

    /// Writes `data` to `name` atomically (temporary file, fsync, rename, fsync of the directory).
    func writeAtomically(_ data: Data, name: String) throws(ArchiveError) {
        let target = path + "/" + name
        let temporary = target + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .io(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        Glibc.close(fd)
        guard written == data.count, synced == 0 else { throw .io(path: temporary, reason: "short write") }
        try rename(temporary, to: target)
    }

    func rename(_ from: String, to target: String) throws(ArchiveError) {
        guard Glibc.rename(from, target) == 0 else { throw .io(path: target, reason: String(cString: strerror(errno))) }
        syncDirectory()
    }

    func syncDirectory() {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        Glibc.close(fd)
    }
}
