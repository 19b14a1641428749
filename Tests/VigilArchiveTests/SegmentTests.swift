import Foundation
import Testing
import VigilArchive
import VigilCore
import VigilStore
import VigilTestSupport

/// Segments are standard gzip JSONL, round-trip to identical events, rotate by size and age, and
/// recover from a crash without losing or repeating events.
@Suite struct SegmentTests {
    @Test func segmentsAreStandardGzipReadByZcatAndRoundTripToIdenticalEvents() async throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<40).map { ArchiveFixture.event($0) })
        let manifest = try #require(try await fixture.makeArchiver().rotate(now: ArchiveFixture.base))
        let stored = try StoreReader(directory: fixture.storeDirectory).events(afterSeq: 0, limit: 100).map(\.event)
        #expect(stored.count == 40)

        let result = try TestSupport.run("/usr/bin/zcat", [fixture.archiveDirectory + "/" + manifest.segment])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines == stored.map(\.jsonString))
        let decoded = try lines.map { line throws(AuditEvent.DecodingError) in try AuditEvent(json: Array(line.utf8)) }
        #expect(decoded == stored)

        #expect(manifest.count == 40)
        #expect(manifest.firstSeq == 1 && manifest.lastSeq == 40)
        #expect(manifest.firstHash == Hex.encode(stored.first?.hash ?? []))
        #expect(manifest.lastHash == Hex.encode(stored.last?.hash ?? []))
        #expect(manifest.firstTime == stored.first?.time.rfc3339)
        #expect(manifest.lastTime == stored.last?.time.rfc3339)
        let sha = try TestSupport.run("/usr/bin/sha256sum", [fixture.archiveDirectory + "/" + manifest.segment])
        #expect(sha.output.hasPrefix(manifest.sha256))
    }

    @Test func aTickStopsBetweenBatchesOnceItsTaskIsCancelled() async throws {
        let fixture = try ArchiveFixture(partitionEvents: 100_000)
        try fixture.append((0..<20_001).map { ArchiveFixture.event($0) })
        let archiver = try fixture.makeArchiver()
        let cancelled = try await Task { () async throws -> Int64 in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await archiver.tick(now: ArchiveFixture.base).archived
        }.value
        #expect(cancelled == 0)
        let next = try await archiver.tick(now: ArchiveFixture.base)
        #expect(next.archived == 20_001)
    }

    @Test func closesTheOpenSegmentByAgeOnTheArchiversClock() async throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<12).map { ArchiveFixture.event($0) })
        let archiver = try fixture.makeArchiver(maximumAge: 60)
        let first = try await archiver.tick(now: ArchiveFixture.base)
        #expect(first.archived == 12)
        #expect(first.closed.isEmpty)
        let early = try await archiver.tick(now: ArchiveFixture.base.adding(microseconds: 59_000_000))
        #expect(early.closed.isEmpty)
        let due = try await archiver.tick(now: ArchiveFixture.base.adding(microseconds: 60_000_000))
        #expect(due.closed == ["s000000000001.jsonl.gz"])
        #expect(try ArchiveDirectory(path: fixture.archiveDirectory).manifests().map(\.count) == [12])
    }

    @Test func closesTheOpenSegmentBySize() throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<30).map { ArchiveFixture.event($0) })
        let writer = try SegmentWriter(
            directory: ArchiveDirectory(path: fixture.archiveDirectory), options: SegmentOptions(maximumBytes: 4096, maximumAge: 1 << 40))
        let events = try StoreReader(directory: fixture.storeDirectory).events(afterSeq: 0, limit: 100)
        var closed: [SegmentManifest] = []
        for event in events {
            try writer.append([event], now: ArchiveFixture.base)
            if writer.isDue(now: ArchiveFixture.base), let m = try writer.close(now: ArchiveFixture.base) { closed.append(m) }
        }
        if let m = try writer.close(now: ArchiveFixture.base) { closed.append(m) }
        // Compressed bytes only grow once zlib emits output, so small segments close at its block boundary.
        #expect(closed.map(\.count).reduce(0, +) == 30)
        #expect(closed.count >= 1)
        for (a, b) in zip(closed, closed.dropFirst()) { #expect(b.firstSeq == a.lastSeq + 1) }
    }

    @Test func aCrashMidRotationLeavesNothingLostOrDuplicated() async throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<20).map { ArchiveFixture.event($0) })
        do {
            let archiver = try fixture.makeArchiver()
            _ = try await archiver.rotate(now: ArchiveFixture.base)
        }
        try fixture.append((20..<35).map { ArchiveFixture.event($0) })
        // What a kill -9 can leave: a half-written open segment, and a renamed segment whose
        // manifest was never written.
        let dir = fixture.archiveDirectory
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: URL(fileURLWithPath: dir + "/open.jsonl.gz.part"))
        #expect(try TestSupport.run("/bin/sh", ["-c", "echo partial | gzip > \(dir)/s000000000021.jsonl.gz"]).status == 0)
        let archiver = try fixture.makeArchiver()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(!names.contains("open.jsonl.gz.part"))
        let manifest = try #require(try await archiver.rotate(now: ArchiveFixture.base))
        #expect(manifest.firstSeq == 21 && manifest.lastSeq == 35)
        let report = try fixture.verify()
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.archivedEvents == 35)
    }

    @Test func encryptedSegmentsAreNotGzipButVerifyAndSearchWithTheKey() async throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<25).map { ArchiveFixture.event($0) })
        let manifest = try #require(try await fixture.makeArchiver(signed: true, encrypted: true).rotate(now: ArchiveFixture.base))
        #expect(manifest.encrypted == true)
        #expect(manifest.segment.hasSuffix(".jsonl.gz.enc"))
        let path = fixture.archiveDirectory + "/" + manifest.segment
        #expect(try TestSupport.run("/usr/bin/zcat", [path]).status != 0)
        #expect(!(try String(contentsOfFile: path, encoding: .isoLatin1)).contains("user1"))
        let clean = try fixture.verify(signed: true, encrypted: true)
        #expect(clean.findings.isEmpty, "\(clean.findings)")
        #expect(clean.archivedEvents == 25)
        var events = 0
        try ArchiveSearch.forEachEvent(inSegment: path, cipher: try SegmentCipher.load(fixture.encryptionKeyPath)) { _ in
            events += 1
            return true
        }
        #expect(events == 25)
        // Without the key the segment cannot be read; a flipped byte fails authentication.
        #expect(try fixture.verify().findings.contains { $0.kind == .segment && $0.detail.contains("encrypted") })
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 100)
        let byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: 100)
        handle.write(Data([byte ^ 0xFF]))
        try handle.close()
        #expect(try fixture.verify(encrypted: true).findings.contains { $0.kind == .segment && $0.detail.contains("decrypt") })
    }
}
