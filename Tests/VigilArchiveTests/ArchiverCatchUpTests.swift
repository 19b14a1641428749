import Testing
import VigilCore
@testable import VigilArchive

@Suite struct ArchiverCatchUpTests {
    @Test func archivingCatchesUpOnlyOnceTheOldestUnarchivedEventIsTenMinutesOld() async throws {
        // Given three stored events, none archived; the oldest was received at `received`
        let fixture = try ArchiveFixture()
        try fixture.append((0..<3).map { ArchiveFixture.event($0) })
        let archiver = try fixture.makeArchiver()
        let received = ArchiveFixture.event(0).received
        // Then the archiver is behind only once that event is more than ten minutes old
        #expect(await !archiver.isBehind(now: received.adding(microseconds: Archiver.catchUpSeconds * 1_000_000)))
        #expect(await archiver.isBehind(now: received.adding(microseconds: Archiver.catchUpSeconds * 1_000_000 + 1)))
        // And once everything is archived, it is not behind however late it is
        let report = try await archiver.tick(now: received.adding(microseconds: 700_000_000))
        #expect(report.archived == 3)
        #expect(await !archiver.isBehind(now: received.adding(microseconds: 10_000_000_000)))
    }
}
