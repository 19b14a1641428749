import Foundation
import Logging
import Testing
import VigilCore
import VigilPipeline
import VigilStore

/// The reads behind the web UI: one event by id, grouped counts and per-hour summaries that
/// agree between sealed and open partitions.
@Suite struct StoreViewsTests {
    @Test func lookupsCountsAndHourlySummariesAgreeAcrossPartitions() throws {
        let dir = EventStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = EventStoreTests.base
        let writer = try StoreWriter(directory: dir, options: StoreOptions(partitionEvents: 1000), logger: Logger(label: "test"), now: base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        var all: [AuditEvent] = []
        for batch in 0..<5 {
            let events = EventStoreTests.events(500, from: batch * 500, chain: &chain, ids: &ids)
            all += events
            try writer.append(events, now: base)
        }
        writer.waitForSealing()
        let reader = StoreReader(directory: dir)
        #expect(try reader.partitions().map(\.state) == [.sealed, .sealed, .current])

        // One event by id, from a sealed partition (id index) and from the open one (scan).
        for event in [all[10], all[2400]] {
            #expect(try reader.event(id: event.id.description)?.event == event)
        }
        #expect(try reader.event(id: "01ZZZZZZZZZZZZZZZZZZZZZZZZ") == nil)

        // Grouped counts equal counting by hand.
        let filter = try Filter.parse("actor:john")
        let groups = try reader.count(filter, by: ["action"], now: base)
        let expected = Dictionary(grouping: all.filter { $0.actor == "john" }, by: \.action).mapValues { Int64($0.count) }
        #expect(Dictionary(uniqueKeysWithValues: groups.map { ($0.values[0] ?? "", $0.count) }) == expected)
        #expect(try reader.count(filter, now: base) == Int64(all.filter { $0.actor == "john" }.count))

        // Hourly counts: sealed summaries plus the open partition, which grows between calls.
        let range = (from: base, to: base.adding(microseconds: 86_400_000_000))
        func total() throws -> Int64 { try reader.hourlyCounts(from: range.from, to: range.to).reduce(0) { $0 + $1.count } }
        #expect(try total() == 2500)
        try writer.append(EventStoreTests.events(300, from: 2500, chain: &chain, ids: &ids), now: base)
        #expect(try total() == 2800)
        let byHour = try reader.hourlyCounts(from: range.from, to: range.to)
        #expect(byHour.allSatisfy { $0.hour >= base.microseconds / 3_600_000_000 })
        #expect(reader.diskUsage() > 0)
    }
}
