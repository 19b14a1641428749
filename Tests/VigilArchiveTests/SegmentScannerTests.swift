import Foundation
import Testing
@testable import VigilArchive
import VigilCore
import VigilTestSupport

/// A segment checked as it is closed holds no entry per event, and still finds what a full
/// verify finds.
@Suite struct SegmentScannerTests {
    /// A closed segment of 30 events and its manifest (in `fixture`'s directory, removed with it);
    /// `edit` rewrites its decompressed lines.
    static func segment(edit: (inout [String]) -> Void) async throws
        -> (fixture: ArchiveFixture, path: String, manifest: SegmentManifest)
    {
        let fixture = try ArchiveFixture()
        try fixture.append((0..<30).map { ArchiveFixture.event($0) })
        let manifest = try #require(try await fixture.makeArchiver().rotate(now: ArchiveFixture.base))
        let path = fixture.archiveDirectory + "/" + manifest.segment
        var lines = try TestSupport.run("/usr/bin/zcat", [path]).output.split(separator: "\n").map(String.init)
        edit(&lines)
        let plain = path + ".jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
        unlink(path)
        #expect(try TestSupport.run("/usr/bin/gzip", ["-n", plain]).status == 0)
        rename(plain + ".gz", path)
        return (fixture, path, manifest)
    }

    static func findings(_ path: String, _ manifest: SegmentManifest, keepEntries: Bool) -> [String] {
        SegmentScanner.verify(path: path, manifest: manifest, previousHash: nil, keepEntries: keepEntries).findings.map(\.text)
    }

    @Test func aCleanSegmentHasNoFindingsEitherWay() async throws {
        let (fixture, path, manifest) = try await Self.segment { _ in }
        defer { withExtendedLifetime(fixture) {} }
        // Recompressed by gzip: only the file's SHA-256 differs from the manifest.
        let full = Self.findings(path, manifest, keepEntries: true)
        #expect(full.count == 1 && full[0].contains("SHA-256"), "\(full)")
        #expect(Self.findings(path, manifest, keepEntries: false) == full)
    }

    @Test func brokenLinksAreNamedAsAFullVerifyNamesThem() async throws {
        let edits: [(String, (inout [String]) -> Void)] = [
            ("modified", { $0[7] = $0[7].replacingOccurrences(of: "\"action\":\"", with: "\"action\":\"x") }),
            ("swapped", { $0.swapAt(11, 12) }),
            ("removed", { $0.remove(at: 20) }),
        ]
        for (label, edit) in edits {
            let (fixture, path, manifest) = try await Self.segment(edit: edit)
            defer { withExtendedLifetime(fixture) {} }
            let full = Self.findings(path, manifest, keepEntries: true)
            #expect(full.contains { !$0.contains("SHA-256") && !$0.contains("manifest counts") }, "\(label): \(full)")
            #expect(Self.findings(path, manifest, keepEntries: false) == full, "\(label)")
        }
    }
}
