import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

extension Integration {
    /// `vigil import` (plain and gzip, into the data directory or through a running daemon) and
    /// `vigil reparse`, run as the real binary.
    @Suite struct ImportReparseTests {
        static let authLines = [
            "Nov 20 08:00:01 bastion sshd[811]: Accepted publickey for alice from 192.0.2.10 port 50022 ssh2: RSA SHA256:abc",
            "Nov 20 08:05:00 bastion sshd[812]: Failed password for root from 198.51.100.7 port 40000 ssh2",
            "Nov 20 08:06:00 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
            "this line is not from an auth program",
        ]

        @Test func importsPlainAndGzipFilesWithTheirOriginalTimes() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-import")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let plain = dir + "/auth.log"
            try (Self.authLines.joined(separator: "\n") + "\n").write(toFile: plain, atomically: true, encoding: .utf8)
            try Self.authLines.prefix(2).joined(separator: "\n").write(toFile: dir + "/old.log", atomically: true, encoding: .utf8)
            #expect(try TestSupport.run("/bin/gzip", ["-f", dir + "/old.log"]).status == 0)

            let result = try DaemonProcess.client(["import", plain, dir + "/old.log.gz", "--parser", "auth", "--data-dir", dir + "/data", "--quiet"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("imported 6 lines"), "\(result.output)")
            let reader = StoreReader(directory: dir + "/data/store")
            #expect(try reader.count() == 6)
            let logins = try reader.query(try Filter.parse("action:login actor:alice"), limit: 10, now: .now()).events
            #expect(logins.count == 2)  // the line is in both files
            #expect(logins.first?.event.time.rfc3339.hasPrefix(Self.expectedYear() + "-11-20T08:00:01") == true)
            #expect(try reader.query(try Filter.parse("action:unparsed"), limit: 10, now: .now()).events.count == 1)

            // While a daemon holds the store, import goes through it.
            let daemon = DaemonProcess(directory: dir + "/data")
            try await daemon.start()
            defer { _ = daemon.terminate() }
            let again = try DaemonProcess.client(["import", plain, "--parser", "auth", "--server", "http://127.0.0.1:\(daemon.http)", "--quiet"])
            #expect(again.status == 0, "\(again.output)")
            _ = await TestSupport.waitUntil { ((try? reader.count()) ?? 0) >= 10 }
            #expect(try reader.count() == 10)
        }

        @Test func reparseAppendsWhatNowParsesAndKeepsTheOriginals() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-reparse")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let file = dir + "/ssh.log"
            try Self.authLines.prefix(2).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            // Imported with the wrong parser: both lines are stored unparsed.
            #expect(try DaemonProcess.client(["import", file, "--parser", "cef", "--data-dir", dir + "/data", "--quiet"]).status == 0)
            let reader = StoreReader(directory: dir + "/data/store")
            #expect(try reader.query(try Filter.parse("action:unparsed"), limit: 10, now: .now()).events.count == 2)

            let result = try DaemonProcess.client(["reparse", "--parser", "auth", "--data-dir", dir + "/data"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("reparsed 2 of 2"), "\(result.output)")
            let all = try reader.query(.all, limit: 10, now: .now()).events.map(\.event)
            #expect(all.count == 4)
            let originals = Set(all.filter { $0.action == AuditEvent.unparsedAction }.map(\.id.description))
            let reparsed = all.filter { $0.attrs["reparsed_from"] != nil }
            #expect(reparsed.count == 2)
            #expect(Set(reparsed.compactMap { $0.attrs["reparsed_from"]?.stringValue }) == originals)
            #expect(Set(reparsed.map(\.action)) == ["login", "login_failed"])
        }

        /// The year RFC 3164 inference gives a "Nov 20" line read now (closest to now).
        static func expectedYear() -> String {
            let now = Timestamp.now().rfc3339
            let year = Int(now.prefix(4)) ?? 2026
            let month = Int(now.dropFirst(5).prefix(2)) ?? 11
            return String(month <= 4 ? year - 1 : year)
        }
    }
}
