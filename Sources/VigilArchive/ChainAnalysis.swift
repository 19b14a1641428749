import VigilCore

/// Walks events in sequence order and names every broken link: modified, missing, inserted or
/// reordered. The hash index is built only once a break is found, so a clean chain costs one
/// comparison per event.
enum ChainAnalysis {
    /// - Parameter start: the `prev_hash` the first entry must carry (`nil` to accept any, when
    ///   the oldest events are gone by retention).
    static func analyze(_ entries: [ChainEntry], start: ChainHash?, locationName: (Int32) -> String) -> [Finding] {
        func finding(_ kind: Finding.Kind, _ entry: ChainEntry, _ detail: String) -> Finding {
            Finding(kind, entry, detail, at: locationName(entry.location))
        }
        var findings: [Finding] = []
        var position: [ChainHash: Int] = [:]
        var followers: [ChainHash: Int] = [:]
        var indexed = false
        var reported = Set<Int>()
        var suppressThrough = -1
        for i in entries.indices {
            let entry = entries[i]
            if !entry.isIntact {
                findings.append(finding(.modified, entry, "its contents do not match its hash"))
                reported.insert(i)
            }
            let expected = i == 0 ? start : entries[i - 1].hash
            guard let expected, entry.prevHash != expected else { continue }
            if i <= suppressThrough { continue }
            if !indexed {
                indexed = true
                for (k, e) in entries.enumerated() {
                    if position[e.hash] == nil { position[e.hash] = k }
                    followers[e.prevHash, default: 0] += 1
                }
            }
            if let j = position[entry.prevHash] {
                let predecessor = entries[j]
                if j > i {
                    findings.append(finding(
                        .reordered, entry,
                        "it is stored before event \(predecessor.idText) (seq \(predecessor.seq)), which the chain says comes first"))
                    suppressThrough = j + 1
                } else if j == i - 2, !reported.contains(i - 1) {
                    let extra = entries[i - 1]
                    findings.append(finding(
                        .inserted, extra, "it is not part of the chain: the next event \(entry.idText) follows \(predecessor.idText)"))
                    reported.insert(i - 1)
                } else if followers[entry.prevHash, default: 0] > 1 {
                    findings.append(finding(
                        .inserted, entry,
                        "it claims to follow event \(predecessor.idText) (seq \(predecessor.seq)), which already has a successor"))
                    reported.insert(i)
                } else {
                    findings.append(finding(
                        .reordered, entry, "it follows event \(predecessor.idText) (seq \(predecessor.seq)), stored elsewhere"))
                }
            } else {
                let previousSeq = i == 0 ? 0 : entries[i - 1].seq
                if entry.seq > previousSeq + 1 {
                    let gap = entry.seq - previousSeq - 1
                    let range = gap == 1 ? "seq \(previousSeq + 1)" : "seq \(previousSeq + 1)…\(entry.seq - 1)"
                    findings.append(finding(.missing, entry, "\(gap) event(s) before it are missing (\(range))"))
                } else if i > 0, !reported.contains(i - 1) {
                    findings.append(finding(
                        .modified, entries[i - 1],
                        "it was rewritten with a recomputed hash: the next event \(entry.idText) follows a different event"))
                    reported.insert(i - 1)
                } else {
                    findings.append(finding(
                        .missing, entry, "the event it follows (hash \(Hex.encode(entry.prevHash.bytes).prefix(16))…) is missing"))
                }
            }
        }
        return findings
    }
}
