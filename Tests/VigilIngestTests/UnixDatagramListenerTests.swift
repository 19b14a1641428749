#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import VigilCore
@testable import VigilIngest

@Suite struct UnixDatagramListenerTests {
    private func makeListener(
        _ path: String, maximumLineLength: Int = 65_536, sink: TestLineSink, metrics: RecordingMetrics
    ) -> UnixDatagramListener {
        UnixDatagramListener(
            configuration: ListenerConfiguration(
                name: "devlog", address: .unix(path: path), maximumLineLength: maximumLineLength),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
    }

    /// Sends from a socket that never binds an address of its own, as `syslog(3)` does.
    private func sendUnbound(_ messages: [String], to path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        return messages.allSatisfy { message in
            let bytes = Array(message.utf8)
            let sent = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            return sent == bytes.count
        }
    }

    @Test func recordsCredentialsOfUnboundSender() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let path = temporarySocketPath("dgram")
        try await withRunningListener(makeListener(path, sink: sink, metrics: metrics)) { address in
            #expect(address == .unix(path: path))
            var status = stat()
            #expect(stat(path, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o666)
            #expect(sendUnbound((0..<5).map { "<13>raw \($0)" }, to: path))
            let arrived = try await eventually { sink.count == 5 }
            #expect(arrived)
        }
        #expect(sink.texts == (0..<5).map { "<13>raw \($0)" })
        for line in sink.lines {
            #expect(line.listener == "devlog")
            #expect(line.peer == PeerInfo(
                address: path, host: LocalHost.name, uid: Int(getuid()), gid: Int(getgid()), pid: Int(getpid()), executable: ownExecutable()))
        }
        #expect(metrics.value("vigil_lines_received_total", [("listener", "devlog")]) == 5)
        #expect(access(path, F_OK) != 0)
    }

    @Test func acceptsLoggerCommand() async throws {
        let sink = TestLineSink()
        let path = temporarySocketPath("logger")
        try await withRunningListener(makeListener(path, sink: sink, metrics: RecordingMetrics())) { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/logger")
            process.arguments = ["-u", path, "hello from logger"]
            try process.run()
            #expect(try await eventually { !process.isRunning })
            #expect(process.terminationStatus == 0)
            #expect(try await eventually { sink.count == 1 })
            let line = try #require(sink.lines.first)
            #expect(text(line).hasSuffix("hello from logger"))
            #expect(line.peer?.pid == Int(process.processIdentifier))
            #expect(line.peer?.uid == Int(getuid()))
        }
    }

    @Test func recordsExecutableOfRunningSender() async throws {
        let sink = TestLineSink()
        let path = temporarySocketPath("logger-stdin")
        try await withRunningListener(makeListener(path, sink: sink, metrics: RecordingMetrics())) { _ in
            // logger reading stdin stays alive between lines, so its /proc/PID/exe can still be read.
            let process = Process()
            let input = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/logger")
            process.arguments = ["-u", path]
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(Data("first line\n".utf8))
            #expect(try await eventually { sink.count == 1 })
            input.fileHandleForWriting.write(Data("second line\n".utf8))
            #expect(try await eventually { sink.count == 2 })
            try input.fileHandleForWriting.close()
            #expect(try await eventually { !process.isRunning })
            #expect(sink.lines.allSatisfy { $0.peer?.executable == "/usr/bin/logger" })
            #expect(sink.lines.allSatisfy { $0.peer?.pid == Int(process.processIdentifier) })
            #expect(sink.texts.map { $0.hasSuffix("first line") || $0.hasSuffix("second line") } == [true, true])
        }
    }

    @Test func cutsLongDatagrams() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let path = temporarySocketPath("dgram-long")
        try await withRunningListener(makeListener(path, maximumLineLength: 16, sink: sink, metrics: metrics)) { _ in
            #expect(sendUnbound([String(repeating: "y", count: 100), "short"], to: path))
            let arrived = try await eventually { sink.count == 2 }
            #expect(arrived)
        }
        #expect(sink.lines.map(\.truncatedFrom) == [100, nil])
        #expect(sink.texts == [String(repeating: "y", count: 16), "short"])
        #expect(metrics.value("vigil_lines_truncated_total", [("listener", "devlog")]) == 1)
    }

    @Test func fullSinkDropsAndCounts() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let path = temporarySocketPath("dgram-full")
        let dropped = {
            metrics.value("vigil_lines_dropped_total", [("listener", "devlog"), ("reason", "queue_full")])
        }
        try await withRunningListener(makeListener(path, sink: sink, metrics: metrics)) { _ in
            sink.block()
            #expect(sendUnbound((0..<10).map { "lost \($0)" }, to: path))
            let isDropped = try await eventually { dropped() == 10 }
            #expect(isDropped)
            sink.unblock()
            #expect(sendUnbound(["kept"], to: path))
            let arrived = try await eventually { sink.count == 1 }
            #expect(arrived)
        }
        #expect(sink.texts == ["kept"])
    }

    @Test func refusesToReplaceRegularFile() async throws {
        let path = temporarySocketPath("not-a-socket")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        defer { unlink(path) }
        let listener = makeListener(path, sink: TestLineSink(), metrics: RecordingMetrics())
        await #expect {
            try await listener.run()
        } throws: { error in
            if case IngestError.pathInUse = error { return true }
            return false
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }
}
