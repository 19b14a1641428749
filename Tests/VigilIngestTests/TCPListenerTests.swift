import NIOCore
import NIOPosix
import Testing
import VigilCore
import VigilIngest

@Suite struct TCPListenerTests {
    private func connect(_ address: ListenerAddress, host: String) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: address.port ?? 0).get()
    }

    @Test func deliversTenThousandLinesOnceAndInOrder() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp", address: .inet(host: "127.0.0.1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
        let expected = (0..<10_000).map { "<13>line \($0)" }
        try await withRunningListener(listener) { address in
            let client = try await connect(address, host: "127.0.0.1")
            // Alternate framings and split the stream at arbitrary points.
            var stream: [UInt8] = []
            for (index, line) in expected.enumerated() {
                stream += index % 3 == 0 ? Array("\(line.utf8.count) \(line)".utf8) : Array("\(line)\n".utf8)
            }
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + 1_000 + offset % 777)
                try await client.writeAndFlush(ByteBuffer(bytes: stream[offset..<end]))
                offset = end
            }
            #expect(try await eventually { sink.count >= expected.count })
            try await client.close()
            #expect(try await eventually {
                metrics.value("vigil_connections_active", [("listener", "tcp")]) == 0
            })
        }
        #expect(sink.texts == expected)
        #expect(sink.lines.allSatisfy { $0.listener == "tcp" && $0.peer?.host == "127.0.0.1" })
        #expect(metrics.value("vigil_lines_received_total", [("listener", "tcp")]) == 10_000)
    }

    @Test func acceptsIPv6AndEmitsPartialLineOnDisconnect() async throws {
        let sink = TestLineSink()
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp6", address: .inet(host: "::1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        try await withRunningListener(listener) { address in
            #expect(address.port != 0)
            let client = try await connect(address, host: "::1")
            try await client.writeAndFlush(ByteBuffer(string: "5 first<13>second\n<13>no newline"))
            try await client.close()
            #expect(try await eventually { sink.count == 3 })
        }
        #expect(sink.texts == ["first", "<13>second", "<13>no newline"])
        #expect(sink.lines.first?.peer?.address?.hasPrefix("[::1]:") == true)
    }

    @Test func aHalfClosedConnectionClosesOnlyOnceItsLinesAreSubmitted() async throws {
        let sink = TestLineSink()
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp", address: .inet(host: "127.0.0.1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        try await withRunningListener(listener) { address in
            sink.block()
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(host: "127.0.0.1", port: address.port ?? 0).get()
            try await client.writeAndFlush(ByteBuffer(string: "<13>first\n<13>last, without a newline"))
            try await client.close(mode: .output)
            let closed = TestFlag()
            client.closeFuture.whenComplete { _ in closed.set() }
            #expect(try await eventually { sink.waitingSubmits == 1 })
            // The sender waits for the close as its receipt: not while its lines are still unsubmitted.
            let closedEarly = try await eventually(timeout: .seconds(1)) { closed.value }
            #expect(!closedEarly)
            sink.unblock()
            #expect(try await eventually { closed.value })
            #expect(sink.texts == ["<13>first", "<13>last, without a newline"])
        }
    }

    @Test func countsTruncatedLinesAndInvalidFrames() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let listener = TCPListener(
            configuration: ListenerConfiguration(
                name: "tcp", address: .inet(host: "127.0.0.1", port: 0), maximumLineLength: 8),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
        try await withRunningListener(listener) { address in
            let client = try await connect(address, host: "127.0.0.1")
            try await client.writeAndFlush(ByteBuffer(string: "abcdefghijklm\n12x broken\nok\n"))
            #expect(try await eventually { sink.count == 3 })
            try await client.close()
        }
        #expect(sink.lines.map(\.truncatedFrom) == [13, 10, nil])
        #expect(metrics.value("vigil_lines_truncated_total", [("listener", "tcp")]) == 2)
        #expect(metrics.value("vigil_frames_invalid_total", [("listener", "tcp")]) == 1)
    }

    @Test func fullSinkPushesBackWithoutLoss() async throws {
        let sink = TestLineSink()
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp", address: .inet(host: "127.0.0.1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        // More than the kernel buffers of both ends can hold (tcp_rmem max 32 MiB + tcp_wmem max 4 MiB).
        let lineCount = 48_000
        let padding = String(repeating: "p", count: 1_000)
        try await withRunningListener(listener) { address in
            sink.block()
            let client = try await connect(address, host: "127.0.0.1")
            var payload = ByteBuffer()
            for index in 0..<lineCount { payload.writeString("<13>\(index) \(padding)\n") }
            let promise = client.eventLoop.makePromise(of: Void.self)
            client.writeAndFlush(payload, promise: promise)
            let written = promise.futureResult
            let isWritten = TestFlag()
            written.whenComplete { _ in isWritten.set() }
            #expect(try await eventually { sink.waitingSubmits == 1 })
            // While the sink is full the connection is not read: the sender cannot finish writing.
            let finishedEarly = try await eventually(timeout: .seconds(2)) { isWritten.value }
            #expect(!finishedEarly)
            #expect(sink.count == 0)
            sink.unblock()
            try await written.get()
            #expect(try await eventually { sink.count == lineCount })
            try await client.close()
        }
        #expect(sink.lines.enumerated().allSatisfy { index, line in text(line) == "<13>\(index) \(padding)" })
    }

    @Test func cancellationHandsOverEveryDecodedFrame() async throws {
        let sink = TestLineSink()
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp", address: .inet(host: "127.0.0.1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        let hasReturned = TestFlag()
        let client: any Channel = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await listener.run()
                hasReturned.set()
            }
            let address = try await listener.waitUntilBound()
            sink.block()
            let client = try await connect(address, host: "127.0.0.1")
            var payload = ByteBuffer()
            for index in 0..<20_000 { payload.writeString("line \(index)\n") }
            client.writeAndFlush(payload, promise: nil)
            #expect(try await eventually { sink.waitingSubmits == 1 })
            group.cancelAll()
            // run() cannot return while a decoded batch still waits for the sink.
            let returnedEarly = try await eventually(timeout: .milliseconds(300)) { hasReturned.value }
            #expect(!returnedEarly)
            sink.unblock()
            try await group.waitForAll()
            #expect(hasReturned.value)
            return client
        }
        let texts = sink.texts
        #expect(!texts.isEmpty)
        #expect(texts == (0..<texts.count).map { "line \($0)" })
        #expect(try await eventually { !client.isActive })
    }

    @Test func rejectsUnixAddress() async throws {
        let listener = TCPListener(
            configuration: ListenerConfiguration(name: "tcp", address: .unix(path: "/tmp/x")),
            sink: TestLineSink(), logger: silentLogger, metricsFactory: RecordingMetrics())
        await #expect(throws: IngestError.self) { try await listener.run() }
        await #expect(throws: IngestError.self) { _ = try await listener.waitUntilBound() }
    }
}
