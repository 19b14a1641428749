import Foundation
import Testing
import VigilArchive
import VigilServer
import VigilTestSupport

@Suite struct ArchiveConfigurationTests {
    static func write(_ text: String) throws -> String {
        let path = TestSupport.temporaryDirectory("vigil-config") + "/vigil.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsArchiveAndRetentionClasses() throws {
        let file = try Self.write("""
            archive:
              segment_size: 8MiB
              segment_age: 30m
              interval: 2s
              compression_level: 9
              signing_key: /etc/vigil/archive.key
            retention:
              default: 365d
              classes:
                - {filter: 'action:view', keep: 30d}
                - {filter: 'kind:auth or severity:(high or critical)', keep: 730d}
            """)
        let c = try ConfigurationLoader.load(file: file)
        #expect(c.archive.segmentSize == 8 << 20)
        #expect(c.archive.segmentAge == 1800)
        #expect(c.archive.interval == 2)
        #expect(c.archive.compressionLevel == 9)
        #expect(c.archive.signingKey == "/etc/vigil/archive.key")
        #expect(c.retention.flatMap(\.defaultKeep) == Double(365 * 86_400))
        #expect(c.retention?.classes.map(\.filter) == ["action:view", "kind:auth or severity:(high or critical)"])
        #expect(c.retention?.classes.map(\.keep) == [30 * 86_400, 730 * 86_400])
    }

    @Test func noRetentionSectionKeepsEverything() throws {
        let c = try ConfigurationLoader.load(file: try Self.write("log_level: info\n"))
        #expect(c.retention == nil)
        #expect(c.archive.enabled)
        #expect(try c.archive.segmentOptions().compressionLevel == SegmentOptions.defaultCompressionLevel)
        var archive = c.archive
        archive.compressionLevel = 2
        #expect(try archive.segmentOptions().compressionLevel == 2)
    }

    @Test(arguments: [
        ("retention:\n  classes:\n    - {filter: 'action:(view', keep: 30d}\n", 3, "retention.classes[0].filter", "expected"),
        ("retention:\n  classes:\n    - {filter: 'action:view', kep: 30d}\n", 3, "retention.classes[0].kep", "unknown key"),
        ("retention:\n  default: soon\n", 2, "retention.default", "duration"),
        ("archive:\n  segment_size: huge\n", 2, "archive.segment_size", "size"),
        ("archive:\n  enabled: true\n  compression_level: 13\n", 3, "archive.compression_level", "between 1 and 12"),
        ("data_dir: /srv/vigil\narchive:\n  signing_key: /srv/vigil/keys/a.key\n", 3, "archive.signing_key", "outside the data directory"),
        ("data_dir: /srv/vigil\narchive:\n  encryption_key: /srv/vigil/a.aes\n", 3, "archive.encryption_key", "outside the data directory"),
    ] as [(String, Int, String, String)])
    func mistakesNameTheLineAndField(_ text: String, _ line: Int, _ field: String, _ reason: String) throws {
        let file = try Self.write(text)
        do {
            _ = try ConfigurationLoader.load(file: file)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}
