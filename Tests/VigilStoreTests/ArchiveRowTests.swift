import Foundation
import Logging
import Testing
import VigilCore
import VigilPipeline
import VigilStore

/// The archiver writes segment lines straight from the rows: each must be byte for byte the line
/// the decoded event encodes to, in sealed and open partitions, with and without chain fields.
@Suite struct ArchiveRowTests {
    @Test func linesFromTheColumnsEqualTheDecodedEventsLines() throws {
        let dir = EventStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = EventStoreTests.base
        let writer = try StoreWriter(directory: dir, options: StoreOptions(partitionEvents: 300), logger: Logger(label: "test"), now: base)
        var random = SplitMix64(seed: 0xA2C4_1FE5)
        var generated = (0..<400).map { _ in AgreementGenerator.event(&random, now: base) }
        for i in generated.indices where i % 4 == 0 {
            generated[i].prevHash = (0..<32).map { UInt8(($0 * 7 + i) & 0xFF) }
            generated[i].raw = "<134>1 - h app - - - {\"k\":\"v\\\\\\u0001\"}\u{7}é"
            generated[i].userAgent = "curl/8 \"quoted\""
        }
        var chain = HashChain()
        var ids = EventIDGenerator()
        try writer.append(generated, now: base)
        try writer.append(EventStoreTests.events(500, chain: &chain, ids: &ids), now: base)
        writer.waitForSealing()
        let reader = StoreReader(directory: dir)
        #expect(try reader.partitions().map(\.state).contains(.sealed))

        let stored = try reader.events(afterSeq: 0, limit: 10_000)
        #expect(stored.count == 900)
        var seen = 0
        var mismatches: [Int64] = []
        let count = try reader.forEachArchiveRow(afterSeq: 0, limit: 10_000) { row in
            let event = stored[seen].event
            if row.seq != stored[seen].seq || Array(row.line) != event.jsonBytes(includeChain: true)
                || Array(row.prevHash) != (event.prevHash ?? []) || Array(row.hash) != (event.hash ?? [])
                || row.time != event.time
            {
                mismatches.append(row.seq)
            }
            seen += 1
            return true
        }
        #expect(count == 900 && seen == 900)
        #expect(mismatches.isEmpty, "rows whose line differs: \(mismatches.prefix(5))")

        // The body stops the walk; `afterSeq` and `limit` bound it.
        var taken = 0
        #expect(try reader.forEachArchiveRow(afterSeq: 0, limit: 10_000) { _ in taken += 1; return taken < 3 } == 3)
        var firstSeq: Int64 = 0
        #expect(try reader.forEachArchiveRow(afterSeq: 250, limit: 100) { row in
            if firstSeq == 0 { firstSeq = row.seq }
            return true
        } == 100)
        #expect(firstSeq == 251)
    }
}
