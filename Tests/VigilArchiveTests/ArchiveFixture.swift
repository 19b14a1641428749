import Foundation
import Logging
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

/// A temporary store with chained events, and helpers to tamper with it.
struct ArchiveFixture {
    let root: String
    var storeDirectory: String { root + "/store" }
    var archiveDirectory: String { root + "/archive" }
    let base = Timestamp(microseconds: 1_795_000_000_000_000)

    init() {
        root = NSTemporaryDirectory() + "vigil-archive-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
