import Foundation
import Testing
import VigilArchive
import VigilCore
import VigilStore
import VigilTestSupport

/// Retention under a controlled clock: events leave the store only once a closed, verified
/// segment holds them, each purge leaves a receipt, and `archive search` still finds them.
@Suite struct RetentionTests {
    static let day: Int64 = 86_400

    static func policy() throws -> RetentionPolicy {
        RetentionPolicy(
            defaultKeepSeconds: 10 * day,
            classes: [
                try RetentionPolicy.Class(filter: "action:view", keepSeconds: day),
                try RetentionPolicy.Class(filter: "kind:auth or severity:(high or critical)", keepSeconds: 730 * day),
            ])
    }

    /// 40 events in 4 sealed partitions; every third a view, event 5 a login.
    static func fixture() throws -> ArchiveFixture {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<40).map { i in i == 5 ? ArchiveFixture.event(i, action: "login", kind: "auth") : ArchiveFixture.event(i) })
        return fixture
    }

    static func at(days: Int64) -> Timestamp { ArchiveFixture.base.adding(microseconds: days * day * 1_000_000) }

    static func count(_ filter: String, in fixture: ArchiveFixture) throws -> Int {
        try StoreReader(directory: fixture.storeDirectory).query(try Filter.parse(filter), limit: 1000, now: .now()).events.count
    }

    @Test func expiredEventsStayUntilTheirSegmentIsClosedThenLeaveWithReceipts() async throws {
        let fixture = try Self.fixture()
        let archiver = try fixture.makeArchiver(retention: try Self.policy())
        let now = Self.at(days: 2)
        // Archived into the open segment only: nothing may be purged yet.
        let open = try await archiver.tick(now: now)
        #expect(open.archived == 40 && open.purged == 0)
        #expect(try Self.count("action:view", in: fixture) == 14)

        _ = try await archiver.rotate(now: now)
        let purge = try await archiver.tick(now: now)
        #expect(purge.purged == 14)
        #expect(try Self.count("action:view", in: fixture) == 0)
        #expect(try Self.count("action:update", in: fixture) == 25)
        #expect(fixture.receipts.count == 4)
        let receipt = try #require(fixture.receipts.first)
        #expect(receipt.kind == "system" && receipt.action == "purge")
        #expect(receipt.attrs["count"]?.intValue == 4)  // views 0, 3, 6, 9 of the first partition
        #expect(receipt.attrs["first_seq"]?.intValue == 1 && receipt.attrs["last_seq"]?.intValue == 10)
        #expect(receipt.attrs["segments"] == .array([.string("s000000000001.jsonl.gz")]))
        #expect(receipt.attrs["mode"] == .string("rewrite"))
        #expect(try Self.count("action:purge", in: fixture) == 4)

        // Still in the archive.
        let search = ArchiveSearch(directory: fixture.archiveDirectory)
        let views = try Filter.parse("action:view").predicate(now: now)
        var found = 0
        for m in try search.segments(lower: nil, upper: nil) {
            try ArchiveSearch.forEachEvent(inSegment: search.directory.segmentPath(m)) { e in
                if views.matches(e) { found += 1 }
                return true
            }
        }
        #expect(found == 14)
        let report = try fixture.verify()
        #expect(report.findings.isEmpty, "\(report.findings)")
    }

    @Test func wholePartitionsAreDroppedAndAuthEventsKeptLonger() async throws {
        let fixture = try Self.fixture()
        let archiver = try fixture.makeArchiver(retention: try Self.policy())
        _ = try await archiver.rotate(now: Self.at(days: 0))
        let before = try StoreReader(directory: fixture.storeDirectory).partitions().count
        let report = try await archiver.tick(now: Self.at(days: 11))
        #expect(report.purged == 39)
        let after = try StoreReader(directory: fixture.storeDirectory).partitions()
        #expect(after.count == before - 3)  // partitions 2-4 dropped; 1 rewritten around the login
        #expect(try Self.count("action:login", in: fixture) == 1)
        #expect(fixture.receipts.map { $0.attrs["mode"] } == [.string("rewrite"), .string("drop"), .string("drop"), .string("drop")])
        let verify = try fixture.verify()
        #expect(verify.findings.isEmpty, "\(verify.findings)")
    }

    @Test func aPartitionKeepsItsExpiredEventsWhenOneDiffersFromItsArchivedCopy() async throws {
        let fixture = try Self.fixture()
        let archiver = try fixture.makeArchiver(retention: try Self.policy())
        let now = Self.at(days: 2)
        _ = try await archiver.rotate(now: now)
        // The first partition's first view (seq 1) no longer carries the hash the segment holds.
        let first = fixture.storeDirectory + "/p000001.sqlite"
        let edit = try TestSupport.run("/usr/bin/sqlite3", [first, "UPDATE events SET hash = zeroblob(32) WHERE seq = 1"])
        #expect(edit.status == 0, "\(edit.output)")
        let report = try await archiver.tick(now: now)
        #expect(report.purged == 10)  // the other partitions' views
        #expect(fixture.receipts.count == 3)
        #expect(try Self.count("action:view", in: fixture) == 4)
    }

    @Test func nothingIsPurgedWhenTheSegmentIsGone() async throws {
        let fixture = try Self.fixture()
        let archiver = try fixture.makeArchiver(retention: try Self.policy())
        let manifest = try #require(try await archiver.rotate(now: Self.at(days: 0)))
        let segment = fixture.archiveDirectory + "/" + manifest.segment
        #expect(unlink(segment) == 0 && unlink(segment + SegmentManifest.suffix) == 0)
        let report = try await archiver.tick(now: Self.at(days: 11))
        #expect(report.purged == 0)
        #expect(fixture.receipts.isEmpty)
        #expect(try StoreReader(directory: fixture.storeDirectory).count() == 40)
    }

    @Test func nothingIsPurgedWhenTheSegmentNoLongerVerifies() async throws {
        let fixture = try Self.fixture()
        let archiver = try fixture.makeArchiver(retention: try Self.policy())
        let manifest = try #require(try await archiver.rotate(now: Self.at(days: 0)))
        #expect(truncate(fixture.archiveDirectory + "/" + manifest.segment, 100) == 0)
        let report = try await archiver.tick(now: Self.at(days: 11))
        #expect(report.purged == 0)
        #expect(fixture.receipts.isEmpty)
        #expect(try StoreReader(directory: fixture.storeDirectory).count() == 40)
    }
}
