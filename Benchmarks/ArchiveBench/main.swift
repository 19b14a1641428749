import Crypto
import Foundation
import Logging
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

// Prints archive write MB/s and events/s, compression ratio, archive search and verify rates on
// realistic audit events (one core: everything below runs on the main thread).
// Usage: ArchiveBench [EVENTS]

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
let root = NSTemporaryDirectory() + "vigil-archive-bench-\(getpid())"
try? FileManager.default.removeItem(atPath: root)
defer { try? FileManager.default.removeItem(atPath: root) }

func elapsed(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
/// CPU seconds this thread has used: on a shared machine, a rate per CPU-second says what one
/// core does when other tenants take turns on it.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let actors = (0..<400).map { "user\($0).\(["smith", "jones", "garcia", "chen", "müller"][$0 % 5])" }
let actions = ["view", "view", "view", "update", "create", "delete", "login", "login_failed", "export", "view"]
let entities = ["customer", "order", "invoice", "product", "user"]
var chain = HashChain()
var events: [AuditEvent] = []
events.reserveCapacity(count)
let base: Int64 = 1_795_000_000_000_000
for i in 0..<count {
    let t = Timestamp(microseconds: base + Int64(i) * 50_000 + Int64(i % 7) * 1_013)
    var e = AuditEvent(
        id: EventID(high: UInt64(t.microseconds / 1000) << 16 | UInt64(i & 0xFFFF), low: UInt64(truncatingIfNeeded: i &* 2_654_435_761)),
        time: t, received: t.adding(microseconds: 1_200 + Int64(i % 97)), source: i % 3 == 0 ? "tcp" : "udp",
        action: actions[i % actions.count])
    let actor = actors[(i * 7) % actors.count]
    let entity = entities[i % entities.count]
    let id = "\(entity.prefix(4).uppercased())-\(10_000 + (i * 13) % 90_000)"
    e.kind = i % 10 == 6 ? "auth" : "web"
    e.host = "web0\(i % 4 + 1)"
    e.app = i % 10 == 6 ? "sshd" : "backoffice"
    e.actor = actor
    e.entityType = entity
    e.entityID = id
    e.outcome = e.action == "login_failed" ? "failure" : "success"
    e.severity = e.action == "delete" ? "medium" : "info"
    e.ip = "192.0.2.\(i % 200 + 1)"
    e.userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    e.method = e.action == "view" ? "GET" : "POST"
    e.url = "/admin/\(entity)/index/\(e.action)/id/\(id)/"
    e.status = 200
    e.durationMS = Double(i % 500) / 10
    e.bytes = Int64(1_000 + i % 20_000)
    if e.action == "update" {
        e.changes = [AuditEvent.Change(field: "credit_limit", old: .int(Int64(1000 + i % 50)), new: .int(Int64(5000 + i % 50)))]
    }
    e.attrs = ["syslog": .object(["facility": .int(16), "severity": .int(6)]), "request_id": .string(String(i, radix: 16))]
    e.raw = "<134>1 \(t.rfc3339) \(e.host ?? "") backoffice - - - {\"user\":\"\(actor)\",\"action\":\"\(e.action)\",\"entity_type\":\"\(entity)\",\"entity_id\":\"\(id)\",\"ip\":\"\(e.ip ?? "")\"}"
    chain.link(&e)
    events.append(e)
}

let logger = Logger(label: "bench")
// Partitions of a quarter of the events, as in a store that has run a while: most of it sealed
// (read through a memory map), the newest quarter in the current partition.
let store = try StoreWriter(
    directory: root + "/store", options: StoreOptions(partitionEvents: Int64(max(1, count / 4))), logger: logger, now: .now())
for start in stride(from: 0, to: events.count, by: 10_000) {
    try store.append(Array(events[start..<min(events.count, start + 10_000)]), now: .now())
}
store.waitForSealing()
store.close()

// Write.
let directory = ArchiveDirectory(path: root + "/archive")
let writer = try SegmentWriter(directory: directory, options: SegmentOptions(maximumBytes: 1 << 40, maximumAge: 1 << 40))
// As the archiver does: rows read from the store in batches of 10,000, written as lines.
let storeReader = StoreReader(directory: root + "/store")
let now = Timestamp.now()
var start = DispatchTime.now()
var archivedSeq: Int64 = 0
while true {
    var failure: (any Error)?
    let read = try storeReader.forEachArchiveRow(afterSeq: archivedSeq, limit: 10_000) { row in
        do {
            try writer.append(line: row.line, seq: row.seq, time: row.time, prevHash: row.prevHash, hash: row.hash, now: now)
        } catch {
            failure = error
            return false
        }
        archivedSeq = row.seq
        return true
    }
    if let failure { throw failure }
    if read == 0 { break }
}
let appendSeconds = elapsed(start)
let manifest = try writer.close(now: .now())
let writeSeconds = elapsed(start)
let compressed = (try FileManager.default.attributesOfItem(atPath: root + "/archive/" + (manifest?.segment ?? ""))[.size] as? NSNumber)?.doubleValue ?? 1
let uncompressed = Double(manifest?.uncompressedBytes ?? 0)
print(String(format: "events: %d, %.0f bytes/event uncompressed", count, uncompressed / Double(count)))
print(String(format: "archive write: %.1f MB/s (uncompressed JSONL), %.0f events/s (read from the store, incl. closing and verifying the segment)",
             uncompressed / writeSeconds / 1e6, Double(count) / writeSeconds))
print(String(format: "  of which reading and compressing %.2f s, closing (fsync, read back, verify) %.2f s", appendSeconds, writeSeconds - appendSeconds))
print(String(format: "compression ratio: %.1fx (%.1f MB -> %.1f MB)", uncompressed / compressed, uncompressed / 1e6, compressed / 1e6))

// Search.
let predicate = try Filter.parse("actor:user1* action:(update or delete)").predicate(now: .now())
var matched = 0
start = DispatchTime.now()
for m in try ArchiveSearch(directory: directory.path).segments(lower: nil, upper: nil) {
    try ArchiveSearch.forEachEvent(inSegment: directory.segmentPath(m)) { event in
        if predicate.matches(event) { matched += 1 }
        return true
    }
}
let searchSeconds = elapsed(start)
print(String(format: "archive search: %.0f events/s scanned (%d matches)", Double(count) / searchSeconds, matched))

// Verify: the store only, the segments only, then both as one chain.
func verify(_ label: String, store: String, archive: String, hashRate: Double) throws {
    let start = DispatchTime.now()
    let cpuStart = threadCPUSeconds()
    let report = try ArchiveVerifier(storeDirectory: store, archiveDirectory: archive, publicKey: nil).run()
    let seconds = elapsed(start)
    let cpuSeconds = threadCPUSeconds() - cpuStart
    let events = report.storeEvents + report.archivedEvents
    print(String(format: "verify (%@): %.0f events/s over %d events (%.0f per CPU-second, %.0f%% of sha-256 alone), %d findings",
                 label, Double(events) / seconds, events, Double(events) / cpuSeconds, 100 * Double(events) / cpuSeconds / hashRate,
                 report.findings.count))
}
// The floor under verify's work, in the same run: SHA-256 of each event's prev_hash and canonical
// bytes, already in memory. Verify's rate as a share of it is steadier than either figure alone
// on this shared machine, whose speed drifts by a fifth over a day.
func hashFloor(_ events: [AuditEvent]) -> Double {
    let lines = events.map { (Array($0.prevHash ?? []), $0.canonicalBytes) }
    let start = threadCPUSeconds()
    var check: UInt8 = 0
    for (prev, canonical) in lines {
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: canonical)
        check ^= hasher.finalize().withUnsafeBytes { $0[0] }
    }
    let rate = Double(lines.count) / (threadCPUSeconds() - start)
    print(String(format: "sha-256 alone (prev_hash + canonical event, in memory): %.0f events per CPU-second (check byte %d)", rate, Int(check)))
    return rate
}
let hashRate = hashFloor(events)
// VERIFY_RUNS=R repeats the verify passes and VERIFY_ONLY=store|segments|both picks one (for a profiler).
let environment = ProcessInfo.processInfo.environment
let only = environment["VERIFY_ONLY"]
for _ in 0..<max(1, Int(environment["VERIFY_RUNS"] ?? "") ?? 1) {
    if only == nil || only == "store" { try verify("store", store: root + "/store", archive: root + "/none", hashRate: hashRate) }
    if only == nil || only == "segments" { try verify("segments", store: root + "/none", archive: directory.path, hashRate: hashRate) }
    if only == nil || only == "both" { try verify("store + segments", store: root + "/store", archive: directory.path, hashRate: hashRate) }
}
