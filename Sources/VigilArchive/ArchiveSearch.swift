import Foundation
import VigilCore

/// Reads events back out of closed segments, streaming, skipping segments outside a time range.
public struct ArchiveSearch {
    public let directory: ArchiveDirectory

    public init(directory: String) { self.directory = ArchiveDirectory(path: directory) }

    /// Manifests whose time range meets `[lower, upper]`, oldest first.
    public func segments(lower: Timestamp?, upper: Timestamp?) throws(ArchiveError) -> [SegmentManifest] {
        try directory.manifests().filter { m in
            if let lower, let last = m.lastTimestamp, last < lower { return false }
            if let upper, let first = m.firstTimestamp, first > upper { return false }
            return true
        }
    }

    /// Calls `body` with each event of a segment file (closed, or any gzip JSONL of events) and its
    /// position; return `false` from `body` to stop. `progress` gets (compressed bytes read, file size).
    public static func forEachEvent(
        inSegment path: String, cipher: SegmentCipher? = nil, progress: ((Int64, Int64) -> Void)? = nil,
        _ body: (AuditEvent) -> Bool
    ) throws(ArchiveError) {
        let reader = try GzipLineReader(path: path, cipher: cipher)
        var n = 0
        while let line = try reader.nextLine() {
            if line.isEmpty { continue }
            let event: AuditEvent
            do {
                event = try AuditEvent(json: line)
            } catch {
                throw .compression(path: path, reason: "line \(n + 1) is not an event: \(error)")
            }
            n += 1
            if let progress, n % 4096 == 0 { progress(reader.consumed, reader.size) }
            if !body(event) { return }
        }
        progress?(reader.size, reader.size)
    }
}
