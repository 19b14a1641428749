import Foundation
import VigilArchive
import VigilCore
import Yams

extension ConfigurationLoader {
    static func archive(_ node: Node, _ r: NodeReader, dataDirectory: String) throws(ConfigurationFileError) -> VigilConfiguration.Archive {
        let m = try r.mapping(node, "archive")
        try r.allowOnly(
            m, ["enabled", "directory", "segment_size", "segment_age", "interval", "signing_key", "checkpoint_interval",
                "encryption_key", "compression_level"],
            in: "archive")
        var archive = VigilConfiguration.Archive()
        if let n = m["enabled"] { archive.enabled = try r.bool(n, "archive.enabled") }
        if let n = m["directory"] { archive.directory = try r.string(n, "archive.directory") }
        if let n = m["segment_size"] {
            let text = try r.string(n, "archive.segment_size")
            guard let bytes = ByteSizeText.bytes(text), bytes >= 4096 else {
                throw r.error(n, "archive.segment_size", "expected a size of at least 4KiB such as 64MiB or 1GiB, got '\(text)'")
            }
            archive.segmentSize = bytes
        }
        if let n = m["compression_level"] {
            let levels = SegmentOptions.compressionLevels
            archive.compressionLevel = try r.int(n, "archive.compression_level", min: Int(levels.lowerBound), max: Int(levels.upperBound))
        }
        if let n = m["segment_age"] { archive.segmentAge = try r.duration(n, "archive.segment_age", min: 1) }
        if let n = m["interval"] { archive.interval = try r.duration(n, "archive.interval", min: 0.1) }
        if let n = m["checkpoint_interval"] { archive.checkpointInterval = try r.duration(n, "archive.checkpoint_interval", min: 1) }
        if let n = m["signing_key"] { archive.signingKey = try keyPath(n, "archive.signing_key", r, dataDirectory: dataDirectory) }
        if let n = m["encryption_key"] {
            archive.encryptionKey = try keyPath(n, "archive.encryption_key", r, dataDirectory: dataDirectory)
        }
        return archive
    }

    /// A key file path, which must lie outside the data directory (a copy of the data is no copy of the key).
    private static func keyPath(_ n: Node, _ field: String, _ r: NodeReader, dataDirectory: String) throws(ConfigurationFileError) -> String {
        let path = try r.string(n, field)
        let cwd = FileManager.default.currentDirectoryPath
        let data = dataDirectory.hasPrefix("/") ? dataDirectory : cwd + "/" + dataDirectory
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        if (absolute as NSString).standardizingPath.hasPrefix((data as NSString).standardizingPath + "/") {
            throw r.error(n, field, "the key must be kept outside the data directory")
        }
        return path
    }

    static func retention(_ node: Node, _ r: NodeReader) throws(ConfigurationFileError) -> VigilConfiguration.Retention {
        let m = try r.mapping(node, "retention")
        try r.allowOnly(m, ["default", "classes"], in: "retention")
        var retention = VigilConfiguration.Retention()
        if let n = m["default"] {
            let text = try r.string(n, "retention.default")
            if text == "forever" {
                retention.defaultKeep = nil
            } else {
                retention.defaultKeep = try r.duration(n, "retention.default", min: 1)
            }
        }
        if let n = m["classes"] {
            for (i, item) in try r.sequence(n, "retention.classes").enumerated() {
                let path = "retention.classes[\(i)]"
                let c = try r.mapping(item, path)
                try r.allowOnly(c, ["filter", "keep"], in: path)
                guard let filterNode = c["filter"], let keepNode = c["keep"] else {
                    throw r.error(item, path, "a retention class needs a 'filter' and a 'keep'")
                }
                let filter = try r.string(filterNode, path + ".filter")
                do {
                    _ = try Filter.parse(filter)
                } catch {
                    throw r.error(filterNode, path + ".filter", "\(error)")
                }
                retention.classes.append(.init(filter: filter, keep: try r.duration(keepNode, path + ".keep", min: 1)))
            }
        }
        return retention
    }
}

/// Sizes written as `4096`, `512KiB`, `64MiB`, `1GiB` (or KB/MB/GB, also powers of 1024).
enum ByteSizeText {
    static func bytes(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
            return value * factor
        }
        return Int64(text)
    }
}
