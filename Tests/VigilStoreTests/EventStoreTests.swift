import Foundation
import Logging
import Testing
import VigilCore
import VigilPipeline
import VigilStore

/// Given/When/Then tests of the partitioned store on real SQLite files in a temporary directory.
@Suite struct EventStoreTests {
    static let base = Timestamp(microseconds: 1_760_000_000_000_000)

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "vigil-store-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Events one second apart; every third by `john`, alternating update/delete/view.
    static func events(_ count: Int, from start: Int = 0, chain: inout HashChain, ids: inout EventIDGenerator) -> [AuditEvent] {
        (start..<(start + count)).map { i in
            let t = base.adding(microseconds: Int64(i) * 1_000_000)
            var e = AuditEvent(time: t, received: t, source: "test", action: ["update", "delete", "view"][i % 3])
            e.id = ids.next(at: t)
            e.actor = i % 3 == 0 ? "john" : "mary"
            e.entityType = "customer"
            e.entityID = "CUST-\(i % 50)"
            e.message = "changed the credit limit of customer \(i)"
            e.ip = "192.0.2.\(i % 256)"
            e.attrs = ["records": .int(Int64(i))]
            chain.link(&e)
            return e
        }
    }

    @Test func queriesNewestFirstAcrossSealedAndCurrentPartitions() throws {
        // Given a store whose partitions hold 1,000 events each
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try StoreWriter(
            directory: dir, options: StoreOptions(partitionEvents: 1000), logger: Logger(label: "test"), now: Self.base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        // When 3,500 events are appended in batches
        for batch in 0..<7 {
            try writer.append(Self.events(500, from: batch * 500, chain: &chain, ids: &ids), now: Self.base)
        }
        writer.waitForSealing()
        let reader = StoreReader(directory: dir)
        let partitions = try reader.partitions()
        // Then three partitions are sealed and one is current
        #expect(partitions.map(\.state) == [.sealed, .sealed, .sealed, .current])
        #expect(try reader.count() == 3500)

        // And a filtered query pages newest first through every partition
        let filter = try Filter.parse("actor:john action:(update or delete)")
        var seen: [Int64] = []
        var cursor: EventCursor?
        repeat {
            let page = try reader.query(filter, limit: 100, before: cursor, now: Self.base)
            seen += page.events.map(\.event.time.microseconds)
            cursor = try page.nextCursor.map { text throws(StoreError) in try EventCursor(text) }
        } while cursor != nil
        let expected = (0..<3500).filter { $0 % 3 == 0 }.map { Self.base.microseconds + Int64($0) * 1_000_000 }
        #expect(seen == expected.reversed())

        // And full text works in sealed (FTS) and current partitions alike
        let text = try reader.query(try Filter.parse("\"customer 3499\" or \"CUSTOMER 1777\""), limit: 10, now: Self.base)
        #expect(text.events.map(\.event.message) == ["changed the credit limit of customer 3499", "changed the credit limit of customer 1777"])
        writer.close()
    }

    /// Runs `body` while another thread lists the partitions and counts the events over and over;
    /// returns the errors those reads met.
    static func failedReads(in dir: String, while body: () throws -> Void) rethrows -> [String] {
        let done = StopFlag()
        let failures = ErrorList()
        let readerThread = Thread {
            let reader = StoreReader(directory: dir)
            while !done.isSet {
                do {
                    _ = try reader.partitions()
                    _ = try reader.count()
                } catch {
                    failures.append("\(error)")
                }
            }
            done.acknowledge()
        }
        readerThread.start()
        defer { done.setAndWait() }
        try body()
        return failures.all
    }

    @Test func readersNeverSeeAPartitionBeingCreated() throws {
        // Given a writer that opens a new partition every 20 events
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try StoreWriter(
            directory: dir, options: StoreOptions(partitionEvents: 20), logger: Logger(label: "test"), now: Self.base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        // When a reader lists the partitions and counts the events meanwhile
        let failures = try Self.failedReads(in: dir) {
            for batch in 0..<100 {
                try writer.append(Self.events(20, from: batch * 20, chain: &chain, ids: &ids), now: Self.base)
            }
        }
        // Then every read succeeds: no partition without its tables is ever listed
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(try StoreReader(directory: dir).count() == 2000)
        writer.close()
    }

    @Test func readersSkipPartitionsThatRetentionDropsMeanwhile() throws {
        // Given 100 sealed partitions of 10 events and 5 events in the current one
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try StoreWriter(
            directory: dir, options: StoreOptions(partitionEvents: 10), logger: Logger(label: "test"), now: Self.base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        for batch in 0..<100 {
            try writer.append(Self.events(10, from: batch * 10, chain: &chain, ids: &ids), now: Self.base)
        }
        try writer.append(Self.events(5, from: 1000, chain: &chain, ids: &ids), now: Self.base)
        writer.waitForSealing()
        // When a reader lists and counts meanwhile the sealed partitions are dropped one by one
        let failures = try Self.failedReads(in: dir) {
            for partition in try StoreReader(directory: dir).partitions() where partition.state == .sealed {
                try PartitionMaintenance.drop(partition)
                Thread.sleep(forTimeInterval: 0.001)
            }
        }
        // Then no read fails, and what is left is the current partition
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(try StoreReader(directory: dir).count() == 5)
        writer.close()
    }

    /// A flag the test sets and the reader thread acknowledges.
    final class StopFlag: @unchecked Sendable {
        private let condition = NSCondition()
        private var set = false
        private var acknowledged = false
        var isSet: Bool { condition.withLock { set } }
        func acknowledge() {
            condition.withLock {
                acknowledged = true
                condition.broadcast()
            }
        }
        func setAndWait() {
            condition.lock()
            set = true
            while !acknowledged { condition.wait() }
            condition.unlock()
        }
    }

    final class ErrorList: @unchecked Sendable {
        private let lock = NSLock()
        private var errors: [String] = []
        func append(_ error: String) { lock.withLock { errors.append(error) } }
        var all: [String] { lock.withLock { errors } }
    }

    @Test func sealedSummariesCountEveryEventWhetherTheWriterOrSQLCountedThem() throws {
        // Given events over many hours, each summary column sometimes missing
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var chain = HashChain()
        var ids = EventIDGenerator()
        let events = (0..<1_300).map { i in
            let t = Self.base.adding(microseconds: Int64(i) * 97_000_000)
            var e = AuditEvent(time: t, received: t, source: "test", action: ["update", "view", "login"][i % 3])
            e.id = ids.next(at: t)
            e.kind = i % 4 == 0 ? nil : ["web", "api", "cron"][i % 3]
            e.outcome = i % 5 == 0 ? nil : (i % 2 == 0 ? "success" : "failure")
            e.severity = i % 7 == 0 ? nil : "info"
            chain.link(&e)
            return e
        }
        let options = StoreOptions(partitionEvents: 500)
        // When one writer fills a partition (sealed with the counts it kept) and starts the next,
        let first = try StoreWriter(directory: dir, options: options, logger: Logger(label: "test"), now: Self.base)
        try first.append(Array(events[0..<300]), now: Self.base)
        try first.append(Array(events[300..<600]), now: Self.base)
        try first.append(Array(events[600..<800]), now: Self.base)
        first.waitForSealing()
        first.close()
        // and after a restart a second writer finishes that one (summarised by SQL) and starts a third
        let second = try StoreWriter(directory: dir, options: options, logger: Logger(label: "test"), now: Self.base)
        try second.append(Array(events[800..<1_200]), now: Self.base)
        try second.append(Array(events[1_200...]), now: Self.base)
        second.waitForSealing()
        let reader = StoreReader(directory: dir)
        #expect(try reader.partitions().map(\.state) == [.sealed, .sealed, .current])

        // Then the hourly counts are those of the events, hour by hour and column by column
        func key(_ hour: Int64, _ kind: String?, _ action: String, _ outcome: String?, _ severity: String?) -> String {
            "\(hour) \(kind ?? "-") \(action) \(outcome ?? "-") \(severity ?? "-")"
        }
        var expected: [String: Int64] = [:]
        for e in events {
            expected[key(e.time.microseconds / 3_600_000_000, e.kind, e.action, e.outcome, e.severity), default: 0] += 1
        }
        var actual: [String: Int64] = [:]
        let counts = try reader.hourlyCounts(
            from: Self.base, to: Self.base.adding(microseconds: 1_300 * 97_000_000 + 3_600_000_000))
        for c in counts { actual[key(c.hour, c.kind, c.action, c.outcome, c.severity), default: 0] += c.count }
        #expect(actual.values.reduce(0, +) == 1_300)
        let differing = Set(actual.keys).union(expected.keys).filter { actual[$0] != expected[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.prefix(5).map { "\($0): \(actual[$0] ?? 0) ≠ \(expected[$0] ?? 0)" })")
        second.close()
    }

    @Test func pagesThroughEventsThatShareATimeWithoutLosingOrRepeatingAny() throws {
        // Given 1,250 events over 5 distinct times (250 per time), across sealed and current partitions
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try StoreWriter(
            directory: dir, options: StoreOptions(partitionEvents: 400), logger: Logger(label: "test"), now: Self.base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        var events = Self.events(1250, chain: &chain, ids: &ids)
        chain = HashChain()
        for i in events.indices {
            events[i].time = Self.base.adding(microseconds: Int64(i / 250) * 1_000_000)
            chain.link(&events[i])
        }
        for start in stride(from: 0, to: 1250, by: 125) {
            try writer.append(Array(events[start..<start + 125]), now: Self.base)
        }
        writer.waitForSealing()
        let reader = StoreReader(directory: dir)
        // When every page of 64 is read with the cursor of the one before
        var seen: [String] = []
        var cursor: EventCursor?
        repeat {
            let page = try reader.query(try Filter.parse("since:2025-01-01"), limit: 64, before: cursor, now: Self.base)
            seen += page.events.map(\.event.id.description)
            cursor = try page.nextCursor.map { text throws(StoreError) in try EventCursor(text) }
        } while cursor != nil
        // Then each event comes exactly once, newest time first and, within a time, newest arrival first
        let expected = events.enumerated().sorted { ($0.element.time.microseconds, $0.offset) > ($1.element.time.microseconds, $1.offset) }
        #expect(seen == expected.map(\.element.id.description))
        writer.close()
    }

    @Test func keepsTheChainHeadAcrossRestarts() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var chain = HashChain()
        var ids = EventIDGenerator()
        do {
            let writer = try StoreWriter(directory: dir, logger: Logger(label: "test"), now: Self.base)
            try writer.append(Self.events(10, chain: &chain, ids: &ids), now: Self.base)
            writer.close()
        }
        let reopened = try StoreWriter(directory: dir, logger: Logger(label: "test"), now: Self.base)
        #expect(reopened.head?.seq == 10)
        #expect(reopened.head?.hash == chain.head)
        reopened.close()

        // Every stored link verifies.
        let stored = try StoreReader(directory: dir).events(afterSeq: 0, limit: 100)
        var prev = HashChain.genesis
        for row in stored {
            #expect(row.event.prevHash == prev)
            #expect(HashChain.digest(prev: prev, event: row.event) == row.event.hash)
            prev = row.event.hash ?? []
        }
        #expect(stored.count == 10)
    }

    @Test func storedEventsRoundTripExactly() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var chain = HashChain()
        var ids = EventIDGenerator()
        var events = Self.events(3, chain: &chain, ids: &ids)
        events[1].changes = [.init(field: "email", old: "a@example.com", new: "b@example.com")]
        events[1].status = 302
        events[1].durationMS = 1.25
        events[1].raw = "<13>raw line"
        chain = HashChain()
        for i in events.indices { chain.link(&events[i]) }
        let writer = try StoreWriter(directory: dir, logger: Logger(label: "test"), now: Self.base)
        try writer.append(events, now: Self.base)
        writer.close()
        let stored = try StoreReader(directory: dir).events(afterSeq: 0, limit: 10).map(\.event)
        #expect(stored == events)
    }
}
