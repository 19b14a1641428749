#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import Testing
import VigilCore
import VigilIngest

@Suite struct UnixStreamListenerTests {
    @Test func recordsPeerCredentialsAndCleansUp() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let path = temporarySocketPath("stream")
        let listener = UnixStreamListener(
            configuration: ListenerConfiguration(name: "unix", address: .unix(path: path), socketMode: 0o660),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
        try await withRunningListener(listener) { address in
            #expect(address == .unix(path: path))
            var status = stat()
            #expect(stat(path, &status) == 0)
            #expect(status.st_mode & 0o777 == 0o660)
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path).get()
            try await client.writeAndFlush(ByteBuffer(string: "<13>one\n8 <13>two\n\n<13>three"))
            try await client.close()
            #expect(try await eventually { sink.count == 3 })
        }
        #expect(sink.texts == ["<13>one", "<13>two\n", "<13>three"])
        let peer = sink.lines.first?.peer
        #expect(peer?.address == path)
        #expect(peer?.uid == Int(getuid()))
        #expect(peer?.gid == Int(getgid()))
        #expect(peer?.pid == Int(getpid()))
        #expect(peer?.executable == ownExecutable())
        #expect(access(path, F_OK) != 0)
    }

    @Test func replacesStaleSocketFile() async throws {
        let path = temporarySocketPath("stale")
        let first = UnixStreamListener(
            configuration: ListenerConfiguration(name: "unix", address: .unix(path: path)),
            sink: TestLineSink(), logger: silentLogger, metricsFactory: RecordingMetrics())
        try await withRunningListener(first) { _ in }
        // Leave a socket file behind, as a crashed daemon would.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(descriptor)
        let sink = TestLineSink()
        let second = UnixStreamListener(
            configuration: ListenerConfiguration(name: "unix", address: .unix(path: path)),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        try await withRunningListener(second) { _ in
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path).get()
            try await client.writeAndFlush(ByteBuffer(string: "hello\n"))
            #expect(try await eventually { sink.count == 1 })
            try await client.close()
        }
    }
}
