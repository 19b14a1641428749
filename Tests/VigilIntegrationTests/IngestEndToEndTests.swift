import Foundation
import Testing
import VigilCore
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// The daemon end to end: real senders, real sockets, the real store.
    @Suite struct IngestEndToEndTests {
        static let logger = TestSupport.which("logger")

        @Test(.enabled(if: logger != nil, "util-linux logger is not installed"))
        func realLoggerOverUDPTCPAndTheUnixDatagramSocket() async throws {
            let h = try await ServerHarness()
            let logger = try #require(Self.logger)
            let runs: [[String]] = [
                ["--server", "127.0.0.1", "--port", "\(h.port("udp"))", "--udp", "--rfc5424", "-t", "shop", "udp-line"],
                ["--server", "127.0.0.1", "--port", "\(h.port("tcp"))", "--tcp", "--rfc5424", "-t", "shop", "tcp-lf-line"],
                ["--server", "127.0.0.1", "--port", "\(h.port("tcp"))", "--tcp", "--octet-count", "--rfc3164", "-t", "shop", "tcp-octet-line"],
                ["-u", h.directory + "/log.sock", "--socket-errors=on", "-t", "shop", "dgram-line"],
            ]
            for arguments in runs {
                let (status, output) = try TestSupport.run(logger, arguments)
                #expect(status == 0, "logger \(arguments): \(output)")
            }
            #expect(try await h.waitForCount(4) == 4)
            for message in ["udp-line", "tcp-lf-line", "tcp-octet-line", "dgram-line"] {
                let events = try h.query("\"\(message)\"")
                #expect(events.count == 1, "\(message) arrived \(events.count) times")
                #expect(events.first?.app == "shop")
                #expect(events.first?.message == message)
            }
            // The Unix datagram sender's credentials are recorded, so it cannot pretend to be someone else.
            let dgram = try #require(try h.query("\"dgram-line\"").first)
            #expect(dgram.attrs["peer"]?["uid"] == .int(Int64(getuid())))
            #expect(dgram.attrs["peer"]?["pid"]?.intValue != nil)
            // The executable is read from /proc while the sender lives: a sender that stays a moment is named.
            let python = try #require(TestSupport.which("python3"))
            let script = """
                import socket, time
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.sendto(b"<13>Nov 22 10:00:00 pyapp: dgram-exe", "\(h.directory)/log.sock")
                time.sleep(1)
                """
            #expect(try TestSupport.run(python, ["-c", script]).status == 0)
            #expect(try await h.waitForCount(5) == 5)
            let named = try #require(try h.query("\"dgram-exe\"").first)
            #expect(named.attrs["peer"]?["exe"]?.stringValue?.contains("python") == true)
            #expect(named.app == "pyapp")
            try await h.stop()
        }

        @Test func streamsOneHundredThousandLinesOverTCPExactlyOnce() async throws {
            let h = try await ServerHarness()
            let lines = (0..<100_000).map { i in
                #"<134>1 2026-11-22T10:00:00Z web01 shop - - - {"user":"u\#(i % 100)","action":"view","seq":\#(i)}"#
            }
            try h.send(lines, to: h.tcpAddress)
            #expect(try await h.waitForCount(100_000, timeout: .seconds(120)) == 100_000)
            #expect(h.server.sink.acceptedCount == 100_000)
            let sample = try h.query("attrs.seq:99999 or attrs.seq:0")
            #expect(sample.count == 2)
            try await h.stop()
        }

        @Test func queryReturnsTheRightRowsNewestFirst() async throws {
            let h = try await ServerHarness()
            let lines = [
                #"{"user":"john","action":"update","entity_type":"customer","entity_id":"C-1","time":"2026-11-22T10:00:01Z"}"#,
                #"{"user":"john","action":"view","entity_type":"customer","entity_id":"C-1","time":"2026-11-22T10:00:02Z"}"#,
                #"{"user":"john","action":"delete","entity_type":"order","entity_id":"O-9","time":"2026-11-22T10:00:03Z"}"#,
                #"{"user":"mary","action":"delete","entity_type":"order","entity_id":"O-8","time":"2026-11-22T10:00:04Z"}"#,
                #"{"user":"johnny","action":"update","time":"2026-11-22T10:00:05Z"}"#,
            ]
            try h.send(lines, to: h.tcpAddress)
            try await h.waitForCount(5)
            let events = try h.query("actor:john action:(update or delete)")
            #expect(events.map(\.entityID) == ["O-9", "C-1"])
            try await h.stop()
        }

        @Test func garbageNeverStopsTheDaemonAndEveryLineIsAccountedFor() async throws {
            let h = try await ServerHarness()
            var rng = SystemRandomNumberGenerator()
            // Random bytes, invalid UTF-8, NULs, over TCP and UDP.
            let random = (0..<200).map { _ in (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            let tcp = try ClientSocket.connect(h.tcpAddress)
            for bytes in random { try tcp.write(bytes.filter { $0 != 10 } + [10]) }
            // A 1 MB line is cut to the maximum and flagged.
            try tcp.write(Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + [10])
            // Invalid UTF-8 in an otherwise good line.
            try tcp.write([0x7B, 0x22, 0x75, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D, 0x0A])
            tcp.shutdownWrite()
            _ = try? tcp.read()
            tcp.close()
            let udp = try ClientSocket.connect(h.udpAddress)
            for bytes in random.prefix(50) { try udp.write(bytes) }
            udp.close()
            // A broken octet count, then a client that disconnects mid-frame.
            let broken = try ClientSocket.connect(h.tcpAddress)
            try broken.write(Array("12x not a count\n".utf8) + Array("500 <13>1 - - - - - - cut short".utf8))
            broken.close()
            // Wait until nothing more is being accepted.
            var accepted = -1
            _ = await TestSupport.waitUntil(interval: .milliseconds(300)) {
                defer { accepted = h.server.sink.acceptedCount }
                return accepted == h.server.sink.acceptedCount && accepted >= 50 + 200
            }
            #expect(try await h.waitForCount(Int64(accepted)) == Int64(accepted))
            // The 1 MB line is stored cut, and says so.
            let long = try #require(try h.query("attrs.truncated:true").first { $0.attrs["original_length"] == .int(1 << 20) })
            #expect((long.raw?.utf8.count ?? 0) <= 65_536)
            // Still alive: a good line after all that arrives.
            try h.send([#"{"user":"after","action":"login"}"#], to: h.tcpAddress)
            _ = try await h.waitForCount(Int64(accepted) + 1)
            #expect(try h.query("actor:after").count == 1)
            try await h.stop()
        }
    }
}
