import Crypto
import VigilCore

/// Reads one closed segment for verification: every line's link, the file's SHA-256, the
/// manifest's count, first and last hash, and its signature.
public enum SegmentScanner {
    struct Result {
        var entries: [ChainEntry]
        var findings: [Finding]
    }

    /// - Parameters:
    ///   - keepEntries: false when only the findings matter (a segment checked as it is closed, or
    ///     by retention): each line is then checked against the one before as it is read, holding no
    ///     entry per event (a 64 MiB segment's ~560,000 entries took 58 MB), and the segment is read
    ///     a second time, keeping them, only when a link is broken, for the detailed findings.
    ///   - visit: called with each line's entry, in order, as it is read (once, on the first read).
    static func verify(
        path: String, manifest: SegmentManifest, previousHash: ChainHash?,
        publicKey: Curve25519.Signing.PublicKey? = nil, cipher: SegmentCipher? = nil, analyzeChain: Bool = true,
        keepEntries: Bool = true, location: Int32 = 0, progress: ((Int64, Int64) -> Void)? = nil,
        visit: ((ChainEntry) -> Void)? = nil
    ) -> Result {
        let name = manifest.segment
        let start = previousHash ?? Hex.decode(manifest.firstPrevHash).flatMap(ChainHash.init)
        var entries: [ChainEntry] = []
        if keepEntries { entries.reserveCapacity(Int(max(0, min(manifest.count, 10_000_000)))) }
        var count: Int64 = 0
        var first: ChainEntry?
        var last: ChainEntry?
        var linkBroken = false
        func record(_ entry: ChainEntry) {
            visit?(entry)
            if keepEntries {
                entries.append(entry)
            } else if !entry.isIntact || entry.prevHash != (last.map(\.hash) ?? start ?? entry.prevHash) {
                linkBroken = true
            }
            if first == nil { first = entry }
            last = entry
            count += 1
        }
        var findings: [Finding] = []
        func segmentProblem(_ detail: String) {
            findings.append(Finding(kind: .segment, location: name, detail: detail))
        }
        let reader: GzipLineReader
        do {
            reader = try GzipLineReader(path: path, cipher: cipher)
        } catch {
            segmentProblem("\(error)")
            return Result(entries: [], findings: findings)
        }
        var complete = false
        var seq = manifest.firstSeq
        do {
            while let line = try reader.nextLine() {
                if line.isEmpty { continue }
                guard let parsed = SegmentLine(line) else {
                    segmentProblem("line \(seq - manifest.firstSeq + 1) is not an event with its chain fields")
                    seq += 1
                    continue
                }
                record(ChainEntry(
                    seq: seq, id: parsed.id, time: parsed.time, prevHash: parsed.prevHash, hash: parsed.hash,
                    isIntact: parsed.isIntact, location: location))
                seq += 1
                if let progress, seq % 65_536 == 0 { progress(reader.consumed, reader.size) }
            }
            complete = true
        } catch {
            let after = last.map { " after event \($0.idText) (seq \($0.seq))" } ?? ""
            segmentProblem("the file is truncated or corrupt\(after): \(error)")
        }
        if complete, Hex.encode(reader.fileDigest()) != manifest.sha256 {
            segmentProblem("the file's SHA-256 does not match its manifest")
        }
        if complete, count != manifest.count {
            segmentProblem("the manifest counts \(manifest.count) events, the file holds \(count)")
        }
        if let first, Hex.encode(first.hash.bytes) != manifest.firstHash {
            findings.append(Finding(.modified, first, "the segment's first event does not match the manifest's first hash", at: name))
        }
        if complete, let last, Hex.encode(last.hash.bytes) != manifest.lastHash {
            findings.append(Finding(.modified, last, "the segment's last event does not match the manifest's last hash", at: name))
        }
        if let publicKey {
            if let signature = manifest.signature.flatMap(Hex.decode) {
                if !publicKey.isValidSignature(signature, for: manifest.signedText) {
                    findings.append(Finding(kind: .signature, location: name, detail: "the manifest's signature is not valid for this public key"))
                }
            } else {
                findings.append(Finding(kind: .signature, location: name, detail: "the manifest is not signed"))
            }
        }
        if analyzeChain && !keepEntries && linkBroken {
            return verify(
                path: path, manifest: manifest, previousHash: previousHash, publicKey: publicKey, cipher: cipher,
                analyzeChain: true, keepEntries: true, location: location, progress: progress)
        }
        if analyzeChain && keepEntries {
            findings += ChainAnalysis.analyze(entries, start: start) { _ in name }
        }
        return Result(entries: entries, findings: findings)
    }
}
