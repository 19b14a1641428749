import Foundation
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore
import VigilTestSupport

/// Tampering with a real SQLite store (through the `sqlite3` CLI) and with real segments:
/// `vigil verify`'s checker names each change exactly, and an untouched store verifies clean.
@Suite struct VerifyTamperingTests {
    /// 40 events in 4 sealed partitions (10 each), writer closed.
    static func store() throws -> ArchiveFixture {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<40).map { ArchiveFixture.event($0) })
        fixture.closeWriter()
        return fixture
    }

    @Test func untouchedStoreAndArchiveVerifyClean() async throws {
        let fixture = try Self.store()
        let clean = try fixture.verify()
        #expect(clean.findings.isEmpty, "\(clean.findings)")
        #expect(clean.storeEvents == 40)
        let archiver = try fixture.makeArchiver(signed: true)
        let manifest = try await archiver.rotate(now: ArchiveFixture.base)
        #expect(manifest?.count == 40)
        #expect(manifest?.signature != nil)
        let both = try fixture.verify(signed: true)
        #expect(both.findings.isEmpty, "\(both.findings)")
        #expect(both.archivedEvents == 40)
        #expect(both.segments == 1)
    }

    @Test func eventsWithEveryFieldVerifyCleanFromTheirRows() throws {
        let fixture = try ArchiveFixture()
        var e = ArchiveFixture.event(1)
        e.host = "web01"
        e.app = "backoffice"
        e.actorID = "42"
        e.actorRole = "admin"
        e.actorType = "user"
        e.impersonator = "root"
        e.session = "s-1"
        e.category = "billing"
        e.entityName = "Jürgen \"Q\" Müller\n\ttab"
        e.outcome = "success"
        e.severity = "high"
        e.userAgent = "curl/8"
        e.method = "POST"
        e.url = "/a?b=c&d=\u{1}"
        e.status = 302
        e.durationMS = 12.345
        e.bytes = 1_234_567
        e.changes = [AuditEvent.Change(field: "credit_limit", old: .int(1000), new: .double(5000.5))]
        e.attrs = ["z": .array([.bool(true), .null]), "a": .object(["nested": .string("x\"y")])]
        e.error = "none"
        var empty = ArchiveFixture.event(2)
        empty.message = ""
        empty.attrs = [:]
        empty.raw = nil
        try fixture.append([e, empty])
        let report = try fixture.verify()
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.storeEvents == 2)
    }

    @Test func namesAnEventWhoseFieldWasChanged() throws {
        let fixture = try Self.store()
        let target = try fixture.storedEvent(seq: 15)
        try fixture.sqlite(try fixture.partition(holding: 15), "UPDATE events SET actor = 'mallory' WHERE seq = 15")
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .modified)
        #expect(findings.first?.eventID == target.id.description)
        #expect(findings.first?.text.contains(target.time.rfc3339) == true)
    }

    @Test func namesAnEventRewrittenWithARecomputedHash() throws {
        let fixture = try Self.store()
        var target = try fixture.storedEvent(seq: 15)
        target.actor = "mallory"
        let hash = Hex.encode(HashChain.digest(prev: target.prevHash ?? [], event: target))
        try fixture.sqlite(
            try fixture.partition(holding: 15), "UPDATE events SET actor = 'mallory', hash = X'\(hash)' WHERE seq = 15")
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .modified)
        #expect(findings.first?.eventID == target.id.description)
    }

    @Test func namesTheGapWhereAnEventWasDeleted() throws {
        let fixture = try Self.store()
        let next = try fixture.storedEvent(seq: 16)
        try fixture.sqlite(try fixture.partition(holding: 15), "DELETE FROM events WHERE seq = 15")
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .missing)
        #expect(findings.first?.eventID == next.id.description)
        #expect(findings.first?.detail.contains("seq 15") == true)
    }

    @Test func namesAnInsertedEvent() throws {
        let fixture = try Self.store()
        // A forged event that claims to follow event 20, hashed correctly, stored at the end.
        let anchor = try fixture.storedEvent(seq: 20)
        var forged = AuditEvent(
            id: EventID(high: 0xF0F0, low: 0x0F0F), time: anchor.time.adding(microseconds: 5), received: anchor.received,
            source: "tcp", action: "delete")
        forged.actor = "user4"
        forged.prevHash = anchor.hash
        forged.hash = HashChain.digest(prev: anchor.hash ?? [], event: forged)
        try fixture.sqlite(try fixture.partition(holding: 40), Self.insert(forged))
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .inserted)
        #expect(findings.first?.eventID == forged.id.description)
        #expect(findings.first?.detail.contains(anchor.id.description) == true)
    }

    static func insert(_ e: AuditEvent) -> String {
        """
        INSERT INTO events (seq, id, time, received, source, action, actor, prev_hash, hash)
        VALUES (41, '\(e.id)', \(e.time.microseconds), \(e.received.microseconds), '\(e.source)', '\(e.action)', '\(e.actor ?? "")',
                X'\(Hex.encode(e.prevHash ?? []))', X'\(Hex.encode(e.hash ?? []))')
        """
    }

    @Test func namesTwoSwappedEvents() throws {
        let fixture = try Self.store()
        let a = try fixture.storedEvent(seq: 12)
        let b = try fixture.storedEvent(seq: 13)
        try fixture.sqlite(
            try fixture.partition(holding: 12),
            "UPDATE events SET seq = -1 WHERE seq = 12; UPDATE events SET seq = 12 WHERE seq = 13; UPDATE events SET seq = 13 WHERE seq = -1;")
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .reordered)
        #expect(findings.first?.eventID == b.id.description)
        #expect(findings.first?.detail.contains(a.id.description) == true)
    }

    @Test func namesATruncatedSegment() async throws {
        let fixture = try Self.store()
        let manifest = try #require(try await fixture.makeArchiver().rotate(now: ArchiveFixture.base))
        let path = fixture.archiveDirectory + "/" + manifest.segment
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
        #expect(truncate(path, off_t(size / 2)) == 0)
        let findings = try fixture.verify().findings
        #expect(findings.contains { $0.kind == .segment && $0.location == manifest.segment && $0.detail.contains("truncated") }, "\(findings)")
    }

    @Test func namesTheEventEditedInASegmentEvenWithItsSHA256Recomputed() async throws {
        let fixture = try Self.store()
        let manifest = try #require(try await fixture.makeArchiver(signed: true).rotate(now: ArchiveFixture.base))
        let path = fixture.archiveDirectory + "/" + manifest.segment
        let target = try fixture.storedEvent(seq: 7)
        // Edit with the real tools: zcat, sed, gzip, sha256sum.
        let script = """
            set -e
            zcat '\(path)' | sed 's/"actor":"user1","action":"view","entity_type":"customer","entity_id":"CUST-1006"/"actor":"mallory","action":"view","entity_type":"customer","entity_id":"CUST-1006"/' | gzip -c > '\(path).new'
            mv '\(path).new' '\(path)'
            sha=$(sha256sum '\(path)' | cut -d' ' -f1)
            m='\(path).manifest.json'
            sed -i "s/\\"sha256\\":\\"[0-9a-f]*\\"/\\"sha256\\":\\"$sha\\"/" "$m"
            """
        let result = try TestSupport.run("/bin/sh", ["-c", script])
        #expect(result.status == 0, "\(result.output)")
        // The store still holds the original; the archived copy is the one named.
        let findings = try fixture.verify().findings
        #expect(findings.count == 1, "\(findings)")
        #expect(findings.first?.kind == .modified)
        #expect(findings.first?.eventID == target.id.description)
        #expect(findings.first?.location == manifest.segment)
        // The recomputed SHA-256 no longer matches the signed manifest.
        #expect(try fixture.verify(signed: true).findings.contains { $0.kind == .signature && $0.location == manifest.segment })
    }

    @Test func signedCheckpointsDetectARewriteOfTheWholeChain() async throws {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<20).map { ArchiveFixture.event($0) })
        let archiver = try fixture.makeArchiver(signed: true)
        let report = try await archiver.tick(now: ArchiveFixture.base)
        #expect(report.checkpoint)
        fixture.closeWriter()
        #expect(try fixture.verify(signed: true).findings.isEmpty)
        // Rewrite the whole chain consistently, so every link holds: only the checkpoint can tell.
        try FileManager.default.removeItem(atPath: fixture.storeDirectory)
        let forged = try ArchiveFixture()
        try forged.append((0..<20).map { i in
            var e = ArchiveFixture.event(i)
            if i == 3 { e.actor = "mallory" }
            return e
        })
        forged.closeWriter()
        try FileManager.default.moveItem(atPath: forged.storeDirectory, toPath: fixture.storeDirectory)
        let findings = try fixture.verify(signed: true).findings
        #expect(findings.contains { $0.kind == .modified && $0.seq == 20 && $0.detail.contains("checkpoint") }, "\(findings)")
    }
}
