import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStore
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// `vigil serve` as a process: SIGTERM in the middle of a stream loses nothing it accepted;
    /// `vigil query` and `vigil tail` read back what it stored.
    @Suite struct DaemonLifecycleTests {
        @Test func sigtermMidStreamCommitsEveryAcceptedLine() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-sigterm")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            // Stream lines until the daemon goes away.
            let port = daemon.tcp
            let sender = Task.detached {
                var sent = 0
                guard let socket = try? ClientSocket.connect(.tcp(host: "127.0.0.1", port: port)) else { return 0 }
                defer { socket.close() }
                var chunk: [UInt8] = []
                while sent < 5_000_000 {
                    chunk.removeAll(keepingCapacity: true)
                    for _ in 0..<500 {
                        chunk += Array(#"{"user":"u","action":"view","n":\#(sent)}"#.utf8) + [10]
                        sent += 1
                    }
                    if (try? socket.write(chunk)) == nil { break }
                }
                return sent
            }
            // Let a good part of the stream arrive, then stop the daemon in the middle of it.
            let reader = StoreReader(directory: dir + "/store")
            _ = await TestSupport.waitUntil(timeout: .seconds(60)) { ((try? reader.count()) ?? 0) >= 20_000 }
            let log = daemon.terminate()
            let sent = await sender.value
            let received = try #require(Self.received(in: log), "no final count in the log:\n\(log.suffix(2000))")
            #expect(received > 0)
            #expect(received < sent, "the daemon should have stopped mid-stream")
            #expect(try reader.count() == Int64(received))

            // After a restart the same events are there, once, and the chain continues.
            try await daemon.start()
            #expect(try StoreReader(directory: dir + "/store").count() == Int64(received))
            _ = daemon.terminate()
        }

        static func received(in log: String) -> Int? {
            guard let line = log.split(separator: "\n").last(where: { $0.contains("Vigil stopped") }),
                let range = line.range(of: "received=")
            else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }

        #if os(Linux)
        /// jemalloc, not glibc's malloc, serves the daemon's allocations (Sources/CAllocator).
        @Test func theDaemonAllocatesWithJemalloc() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-allocator")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            let maps = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/maps", encoding: .utf8)
            _ = daemon.terminate()
            #expect(maps.contains("libjemalloc"))
        }
        #endif

        @Test func queryAndTailCommandsReadTheDaemon() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-cli")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            defer { _ = daemon.terminate() }
            let lines = [
                #"{"user":"john","action":"update","entity_type":"customer","entity_id":"C-1","time":"2026-11-22T10:00:01Z"}"#,
                #"{"user":"john","action":"view","time":"2026-11-22T10:00:02Z"}"#,
                #"{"user":"john","action":"delete","entity_type":"order","entity_id":"O-9","time":"2026-11-22T10:00:03Z"}"#,
            ].joined(separator: "\n")
            let sent = try DaemonProcess.client(["send", "--to", "tcp://127.0.0.1:\(daemon.tcp)"], input: Data(lines.utf8))
            #expect(sent.status == 0, "\(sent.output)")
            let reader = StoreReader(directory: dir + "/store")
            _ = await TestSupport.waitUntil { ((try? reader.count()) ?? 0) >= 3 }

            // Reading the data directory directly, and through the daemon's API.
            for extra in [["--data-dir", dir], ["--server", "http://127.0.0.1:\(daemon.http)", "--data-dir", dir]] {
                let result = try DaemonProcess.client(["query", "actor:john action:(update or delete)", "-o", "json"] + extra)
                #expect(result.status == 0, "\(result.output)")
                let ids = result.output.split(separator: "\n").compactMap { try? AuditEvent(json: Array($0.utf8)).entityID }
                #expect(ids == ["O-9", "C-1"], "\(extra): \(result.output)")
            }
            let table = try DaemonProcess.client(["query", "action:delete", "--data-dir", dir])
            #expect(table.output.contains("ACTOR") && table.output.contains("order/O-9"))
            let bad = try DaemonProcess.client(["query", "actor:(john", "--data-dir", dir])
            #expect(bad.status != 0)
            #expect(bad.output.contains("expected"))

            // tail: a new event shows within a second of being sent.
            let tail = Process()
            tail.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
            tail.arguments = ["tail", "actor:tailer", "-o", "json", "--server", "http://127.0.0.1:\(daemon.http)", "--data-dir", dir]
            let out = Pipe()
            tail.standardOutput = out
            try tail.run()
            defer { tail.terminate() }
            try await Task.sleep(for: .milliseconds(500))  // let tail subscribe
            let start = ContinuousClock.now
            _ = try DaemonProcess.client(["send", "--to", "udp://127.0.0.1:\(daemon.udp)", #"{"user":"tailer","action":"login"}"#])
            let line = try await Self.firstLine(of: out, timeout: .seconds(5))
            let elapsed = ContinuousClock.now - start
            let event = try AuditEvent(json: Array(line.utf8))
            #expect(event.actor == "tailer")
            #expect(elapsed < .seconds(1), "tail took \(elapsed)")
        }

        /// The first non-empty line the pipe delivers, read on a thread so a silent pipe cannot hang the test.
        static func firstLine(of pipe: Pipe, timeout: Duration) async throws -> String {
            let handle = pipe.fileHandleForReading
            let result = Mutex<String?>(nil)
            Thread {
                var buffer = Data()
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    buffer += chunk
                    let text = String(decoding: buffer, as: UTF8.self)
                    if let end = text.firstIndex(of: "}"), text[end...].contains("\n") {
                        let line = text.split(separator: "\n").first { !$0.isEmpty } ?? ""
                        result.withLock { $0 = String(line) }
                        return
                    }
                }
            }.start()
            _ = await TestSupport.waitUntil(timeout: timeout, interval: .milliseconds(5)) { result.withLock { $0 != nil } }
            return try #require(result.withLock { $0 }, "nothing arrived within \(timeout)")
        }
    }
}
