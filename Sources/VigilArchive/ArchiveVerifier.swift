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
        // Segments, each checked on its own and against the one before.
        var archived: [ChainEntry] = []
        var previous: SegmentManifest?
        for manifest in manifests {
            if let previous, manifest.firstSeq != previous.lastSeq + 1 {
                report.findings.append(Finding(
                    kind: .segment, location: manifest.segment,
                    detail: "it starts at seq \(manifest.firstSeq) but the previous segment \(previous.segment) ends at seq \(previous.lastSeq)"))
            }
            let link = previous.flatMap { Hex.decode($0.lastHash) }
            let result = SegmentScanner.verify(
                path: directory.segmentPath(manifest), manifest: manifest, previousHash: link, publicKey: publicKey,
                cipher: cipher, analyzeChain: false)
            report.findings += result.findings
            archived += result.entries
            report.segments += 1
            previous = manifest
            progress?(archived.count, expected)
        }
        report.archivedEvents = archived.count
        // The store, in sequence order, with purge receipts collected on the way.
        var stored: [ChainEntry] = []
        var receipts: [ClosedRange<Int64>] = []
        var after: Int64 = 0
        do {
            while true {
                let batch = try reader.chainRows(afterSeq: after, limit: 20_000)
                guard let last = batch.last else { break }
                for row in batch {
                    var hasher = SHA256()
                    hasher.update(data: row.prevHash)
                    hasher.update(data: row.canonical)
                    let intact = hasher.finalize().elementsEqual(row.hash)
                    stored.append(ChainEntry(
                        seq: row.seq, id: row.id, time: row.time.rfc3339, prevHash: row.prevHash, hash: row.hash,
                        isIntact: intact, location: "store"))
                    if let range = row.purgedRange { receipts.append(range) }
                }
                after = last.seq
                progress?(archived.count + stored.count, expected)
            }
        } catch {
            throw .store("\(error)")
        }
        report.storeEvents = stored.count
        // One chain: the store's copy where there is one, the archive's where retention removed it.
        var merged: [ChainEntry] = []
        merged.reserveCapacity(max(archived.count, stored.count))
        var a = 0
        var s = 0
        while a < archived.count || s < stored.count {
            if s < stored.count, a < archived.count, stored[s].seq == archived[a].seq {
                if !archived[a].isIntact {
                    report.findings.append(Finding(.modified, archived[a], "its contents do not match its hash"))
                } else if stored[s].hash != archived[a].hash, stored[s].isIntact {
                    report.findings.append(Finding(
                        .modified, stored[s], "the store's copy differs from the archived copy in \(archived[a].location)"))
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
                    report.findings.append(Finding(
                        .missing, entry, "it is gone from the store without a purge receipt (still archived in \(entry.location))"))
                }
                merged.append(entry)
                a += 1
            }
        }
        let start: [UInt8]? = merged.first?.seq == 1 ? HashChain.genesis : nil
        report.findings += ChainAnalysis.analyze(merged, start: start)
        report.findings += checkCheckpoints(directory: directory, merged: merged, report: &report)
        return report
    }

    private func checkCheckpoints(directory: ArchiveDirectory, merged: [ChainEntry], report: inout Report) -> [Finding] {
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
            if Hex.encode(merged[index].hash) != checkpoint.hash {
                findings.append(Finding(
                    .modified, merged[index],
                    "the chain was rewritten: the checkpoint of \(checkpoint.time) signed a different hash for this event"))
            }
        }
        return findings
    }
}
