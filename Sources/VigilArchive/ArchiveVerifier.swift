import Crypto
import Foundation
import VigilCore
import VigilPipeline
import VigilStore

/// `vigil verify`: checks every link of the chain through the store and the segments, every
/// manifest, and (with the public key) every signature and checkpoint.
public struct ArchiveVerifier {
    public struct Report: Sendable {
        public var findings: [Finding] = []
        public var storeEvents = 0
        public var archivedEvents = 0
        public var segments = 0
        public var checkpoints = 0
    }

    public let storeDirectory: String
    public let archiveDirectory: String
    public let publicKey: Curve25519.Signing.PublicKey?
    public let cipher: SegmentCipher?

    public init(
        storeDirectory: String, archiveDirectory: String, publicKey: Curve25519.Signing.PublicKey?, cipher: SegmentCipher? = nil
    ) {
        self.storeDirectory = storeDirectory
        self.archiveDirectory = archiveDirectory
        self.publicKey = publicKey
        self.cipher = cipher
    }

    /// - Parameter progress: called now and then with (events checked, events expected).
    public func run(progress: ((Int, Int) -> Void)? = nil) throws(ArchiveError) -> Report {
        var report = Report()
        let directory = ArchiveDirectory(path: archiveDirectory)
        let manifests = try directory.manifests()
        let reader = StoreReader(directory: storeDirectory)
        let expected: Int
        do {
            expected = Int(try reader.count()) + manifests.reduce(0) { $0 + Int($1.count) }
        } catch {
            throw .store("\(error)")
        }
        // Segments, each checked on its own and against the one before. Location 0 is the store.
        var locations = ["store"]
        var archived: [ChainEntry] = []
        archived.reserveCapacity(manifests.reduce(0) { $0 + Int(max(0, min($1.count, 100_000_000))) })
        var previous: SegmentManifest?
        for manifest in manifests {
            if let previous, manifest.firstSeq != previous.lastSeq + 1 {
                report.findings.append(Finding(
                    kind: .segment, location: manifest.segment,
                    detail: "it starts at seq \(manifest.firstSeq) but the previous segment \(previous.segment) ends at seq \(previous.lastSeq)"))
            }
            let link = previous.flatMap { Hex.decode($0.lastHash) }.flatMap(ChainHash.init)
            let result = SegmentScanner.verify(
                path: directory.segmentPath(manifest), manifest: manifest, previousHash: link, publicKey: publicKey,
                cipher: cipher, analyzeChain: false, location: Int32(locations.count))
            locations.append(manifest.segment)
            report.findings += result.findings
            archived += result.entries
            report.segments += 1
            previous = manifest
            progress?(archived.count, expected)
        }
        report.archivedEvents = archived.count
        // The store, in sequence order, with purge receipts collected on the way.
        var stored: [ChainEntry] = []
        stored.reserveCapacity(max(0, expected - archived.count))
        var receipts: [ClosedRange<Int64>] = []
        var after: Int64 = 0
        do {
            while true {
                let read = try reader.forEachChainRow(afterSeq: after, limit: 100_000) { row in
                    var hasher = SHA256()
                    hasher.update(bufferPointer: row.prevHash)
                    hasher.update(bufferPointer: row.canonical)
                    let hash = ChainHash(row.hash)
                    stored.append(ChainEntry(
                        seq: row.seq, id: EventID(utf8: row.id), time: row.time, prevHash: ChainHash(row.prevHash) ?? .zero,
                        hash: hash ?? .zero, isIntact: hash == ChainHash(hasher.finalize()), location: 0))
                    if let range = row.purgedRange { receipts.append(range) }
                    after = row.seq
                }
                if read == 0 { break }
                progress?(archived.count + stored.count, expected)
            }
        } catch {
            throw .store("\(error)")
        }
        report.storeEvents = stored.count
        func finding(_ kind: Finding.Kind, _ entry: ChainEntry, _ detail: String) -> Finding {
            Finding(kind, entry, detail, at: locations[Int(entry.location)])
        }
        // One chain: the store's copy where there is one, the archive's where retention removed it.
        // With only one of them there is nothing to merge (and no second copy to hold in memory).
        var merged: [ChainEntry] = []
        if archived.isEmpty || stored.isEmpty {
            merged = archived.isEmpty ? stored : archived
            stored = []
            archived = []
        } else {
            merged.reserveCapacity(max(archived.count, stored.count))
        }
        var a = 0
        var s = 0
        while a < archived.count || s < stored.count {
            if s < stored.count, a < archived.count, stored[s].seq == archived[a].seq {
                if !archived[a].isIntact {
                    report.findings.append(finding(.modified, archived[a], "its contents do not match its hash"))
                } else if stored[s].hash != archived[a].hash, stored[s].isIntact {
                    report.findings.append(finding(
                        .modified, stored[s], "the store's copy differs from the archived copy in \(locations[Int(archived[a].location)])"))
                }
                merged.append(stored[s])
                s += 1
                a += 1
            } else if s < stored.count, a >= archived.count || stored[s].seq < archived[a].seq {
                merged.append(stored[s])
                s += 1
            } else {
                let entry = archived[a]
                if let newest = stored.last, entry.seq < newest.seq, !receipts.contains(where: { $0.contains(entry.seq) }) {
                    report.findings.append(finding(
                        .missing, entry, "it is gone from the store without a purge receipt (still archived in \(locations[Int(entry.location)]))"))
                }
                merged.append(entry)
                a += 1
            }
        }
        let start = merged.first?.seq == 1 ? ChainHash(HashChain.genesis) : nil
        report.findings += ChainAnalysis.analyze(merged, start: start) { locations[Int($0)] }
        report.findings += checkCheckpoints(directory: directory, merged: merged, locations: locations, report: &report)
        return report
    }

    private func checkCheckpoints(
        directory: ArchiveDirectory, merged: [ChainEntry], locations: [String], report: inout Report
    ) -> [Finding] {
        let (checkpoints, bad) = Checkpoint.readAll(directory.checkpointsPath)
        var findings = bad.map {
            Finding(kind: .signature, location: ArchiveDirectory.checkpointsName, detail: "line \($0) is not a checkpoint")
        }
        guard let firstSeq = merged.first?.seq else { return findings }
        for checkpoint in checkpoints {
            report.checkpoints += 1
            if let publicKey, !checkpoint.isValid(for: publicKey) {
                findings.append(Finding(
                    kind: .signature, seq: checkpoint.seq, location: ArchiveDirectory.checkpointsName,
                    detail: "the checkpoint of \(checkpoint.time) has no valid signature for this public key"))
                continue
            }
            let index = Int(checkpoint.seq - firstSeq)
            guard index >= 0, index < merged.count, merged[index].seq == checkpoint.seq else {
                findings.append(Finding(
                    kind: .missing, seq: checkpoint.seq, location: ArchiveDirectory.checkpointsName,
                    detail: "the event the checkpoint of \(checkpoint.time) signed is gone"))
                continue
            }
            if Hex.encode(merged[index].hash.bytes) != checkpoint.hash {
                findings.append(Finding(
                    .modified, merged[index],
                    "the chain was rewritten: the checkpoint of \(checkpoint.time) signed a different hash for this event",
                    at: locations[Int(merged[index].location)]))
            }
        }
        return findings
    }
}
