import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

extension Integration {
    /// The archiver inside the real daemon, and the `verify`/`archive` commands as the real binary.
    @Suite struct ArchiveDaemonTests {
        static func config(_ dir: String, extra: String = "") throws -> String {
            let path = dir + "/vigil.yaml"
            try """
                archive:
                  interval: 100ms
                  segment_age: 1s
                \(extra)
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        static func lines(_ range: Range<Int>) -> Data {
            Data(range.map { #"{"user":"u\#($0 % 7)","action":"update","entity_type":"customer","entity_id":"C-\#($0)"}"# + "\n" }.joined().utf8)
        }

        /// Every id in the segments, in order.
        static func archivedIDs(_ archive: String) throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: archive).filter { $0.hasSuffix(".jsonl.gz") }.sorted()
            var ids: [String] = []
            for name in names {
                let out = try TestSupport.run("/usr/bin/zcat", [archive + "/" + name])
                for line in out.output.split(separator: "\n") {
                    ids.append(try AuditEvent(json: Array(line.utf8)).id.description)
                }
            }
            return ids
        }

        @Test func killDashNineDuringRotationLosesAndDuplicatesNothing() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-archive-kill")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let data = dir + "/data"
            let daemon = DaemonProcess(directory: data)
            daemon.extraArguments = ["--config", try Self.config(dir)]
            try await daemon.start()
            let server = "http://127.0.0.1:\(daemon.http)"
            let sent = try DaemonProcess.client(["send", "--to", "tcp://127.0.0.1:\(daemon.tcp)"], input: Self.lines(0..<3000))
            #expect(sent.status == 0, "\(sent.output)")
            // Rotations from both the timer and the API while the daemon is killed.
            for _ in 0..<3 { _ = try DaemonProcess.client(["archive", "rotate", "--server", server, "--data-dir", daemon.directory]) }
            let more = Process()
            more.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
            more.arguments = ["send", "--to", "tcp://127.0.0.1:\(daemon.tcp)"]
            let pipe = Pipe()
            more.standardInput = pipe
            more.standardOutput = FileHandle.nullDevice
            more.standardError = FileHandle.nullDevice
            try more.run()
            pipe.fileHandleForWriting.write(Self.lines(3000..<6000))
            try pipe.fileHandleForWriting.close()
            _ = try DaemonProcess.client(["archive", "rotate", "--server", server, "--data-dir", daemon.directory])
            daemon.kill9()
            more.waitUntilExit()

            // Restart: the half-written segment is discarded and rewritten from the store.
            let again = DaemonProcess(directory: data)
            again.extraArguments = daemon.extraArguments
            try await again.start()
            let reader = StoreReader(directory: data + "/store")
            let before = try reader.count()
            _ = try DaemonProcess.client(["send", "--to", "tcp://127.0.0.1:\(again.tcp)"], input: Self.lines(6000..<6100))
            // `send` returns once the lines are written, not committed: wait for all 100 before rotating.
            let settled = await TestSupport.waitUntil { ((try? reader.count()) ?? 0) >= before + 100 }
            #expect(settled)
            let rotated = try DaemonProcess.client(["archive", "rotate", "--server", "http://127.0.0.1:\(again.http)", "--data-dir", again.directory])
            #expect(rotated.status == 0, "\(rotated.output)")
            _ = again.terminate()

            let stored = try reader.events(afterSeq: 0, limit: 100_000).map(\.event.id.description)
            let archived = try Self.archivedIDs(data + "/archive")
            #expect(archived.count == Set(archived).count, "an event was archived twice")
            #expect(archived == stored, "store \(stored.count) vs archive \(archived.count)")
            let verify = try DaemonProcess.client(["verify", "--data-dir", data, "--quiet"])
            #expect(verify.status == 0, "\(verify.output)")
            #expect(verify.output.contains("clean"))
        }

        @Test func verifyListSearchAndQueryArchivesAsTheRealBinary() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-archive-cli")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let data = dir + "/data"
            let keys = try DaemonProcess.client(["keygen", dir + "/archive"])
            #expect(keys.status == 0, "\(keys.output)")
            let daemon = DaemonProcess(directory: data)
            daemon.extraArguments = ["--config", try Self.config(dir, extra: "  signing_key: \(dir)/archive.key\n  checkpoint_interval: 1s")]
            try await daemon.start()
            _ = try DaemonProcess.client(["send", "--to", "tcp://127.0.0.1:\(daemon.tcp)"], input: Self.lines(0..<50))
            let reader = StoreReader(directory: data + "/store")
            #expect(await TestSupport.waitUntil { ((try? reader.count()) ?? 0) >= 50 })
            let rotated = try DaemonProcess.client(["archive", "rotate", "--server", "http://127.0.0.1:\(daemon.http)", "--data-dir", daemon.directory])
            #expect(rotated.output.contains("closed s"), "\(rotated.output)")
            _ = daemon.terminate()

            let list = try DaemonProcess.client(["archive", "list", "--data-dir", data])
            #expect(list.output.contains("s000000000001.jsonl.gz"), "\(list.output)")
            #expect(list.output.contains("yes"))
            let search = try DaemonProcess.client(["archive", "search", "entity_id:C-7", "--since", "1h", "--data-dir", data, "--quiet"])
            #expect(search.status == 0, "\(search.output)")
            #expect(search.output.split(separator: "\n").count == 1, "\(search.output)")
            let none = try DaemonProcess.client(["archive", "search", "entity_id:C-7", "--until", "2000-01-01", "--data-dir", data, "--quiet"])
            #expect(none.output.isEmpty, "\(none.output)")
            let query = try DaemonProcess.client(["query", "entity_id:C-7", "--archives", "-o", "json", "--data-dir", data])
            #expect(query.output.split(separator: "\n").count == 1, "\(query.output)")

            let clean = try DaemonProcess.client(["verify", "--data-dir", data, "--public-key", dir + "/archive.pub", "--quiet"])
            #expect(clean.status == 0, "\(clean.output)")

            // Tamper with one field of one stored event: exit 1, one line naming it.
            let partitions = try reader.partitions().filter { $0.count > 0 }
            let target = try #require(try reader.events(afterSeq: 9, limit: 1).first)
            let file = try #require(partitions.first { ($0.firstSeq ?? 0) <= 10 && 10 <= ($0.lastSeq ?? 0) }).path
            #expect(try TestSupport.run("/usr/bin/sqlite3", [file, "UPDATE events SET actor = 'mallory' WHERE seq = 10"]).status == 0)
            let tampered = try DaemonProcess.client(["verify", "--data-dir", data, "--quiet"])
            #expect(tampered.status == 1)
            let findings = tampered.output.split(separator: "\n").filter { $0.hasPrefix("MODIFIED") }
            #expect(findings.count == 1, "\(tampered.output)")
            #expect(findings.first?.contains(target.event.id.description) == true, "\(tampered.output)")
        }
    }
}
