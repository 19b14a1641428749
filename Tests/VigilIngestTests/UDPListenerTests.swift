import NIOCore
import NIOPosix
import Testing
import VigilCore
import VigilIngest

@Suite struct UDPListenerTests {
    private func makeClient(host: String) async throws -> any Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: host, port: 0).get()
    }

    private func send(_ text: String, from client: any Channel, to host: String, port: Int) async throws {
        let target = try SocketAddress(ipAddress: host, port: port)
        try await client.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: text)))
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func deliversDatagramsAsLines(host: String) async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let listener = UDPListener(
            configuration: ListenerConfiguration(name: "udp", address: .inet(host: host, port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
        try await withRunningListener(listener) { address in
            let client = try await makeClient(host: host)
            for index in 0..<100 {
                try await send("<13>datagram \(index)\n", from: client, to: host, port: address.port ?? 0)
            }
            #expect(try await eventually { sink.count == 100 })
            let clientPort = client.localAddress?.port ?? -1
            #expect(sink.lines.allSatisfy { $0.peer?.host == host && $0.listener == "udp" })
            #expect(sink.lines.first?.peer?.address == ListenerAddress.inet(host: host, port: clientPort).description)
            try await client.close()
        }
        // One datagram is one line; trailing LF is left for the parser.
        #expect(Set(sink.texts) == Set((0..<100).map { "<13>datagram \($0)\n" }))
        #expect(metrics.value("vigil_lines_received_total", [("listener", "udp")]) == 100)
    }

    @Test func cutsLongDatagrams() async throws {
        let sink = TestLineSink()
        let listener = UDPListener(
            configuration: ListenerConfiguration(
                name: "udp", address: .inet(host: "127.0.0.1", port: 0), maximumLineLength: 16),
            sink: sink, logger: silentLogger, metricsFactory: RecordingMetrics())
        try await withRunningListener(listener) { address in
            let client = try await makeClient(host: "127.0.0.1")
            let long = String(repeating: "x", count: 60_000)
            try await send(long, from: client, to: "127.0.0.1", port: address.port ?? 0)
            #expect(try await eventually { sink.count == 1 })
            try await client.close()
        }
        #expect(sink.lines.first?.bytes.count == 16)
        #expect(sink.lines.first?.truncatedFrom == 60_000)
    }

    @Test func fullSinkDropsAndCounts() async throws {
        let sink = TestLineSink()
        let metrics = RecordingMetrics()
        let listener = UDPListener(
            configuration: ListenerConfiguration(name: "udp", address: .inet(host: "127.0.0.1", port: 0)),
            sink: sink, logger: silentLogger, metricsFactory: metrics)
        let dropped = { metrics.value("vigil_lines_dropped_total", [("listener", "udp"), ("reason", "queue_full")]) }
        try await withRunningListener(listener) { address in
            let client = try await makeClient(host: "127.0.0.1")
            sink.block()
            for index in 0..<10 {
                try await send("lost \(index)", from: client, to: "127.0.0.1", port: address.port ?? 0)
            }
            #expect(try await eventually { dropped() == 10 })
            #expect(sink.count == 0)
            sink.unblock()
            try await send("kept", from: client, to: "127.0.0.1", port: address.port ?? 0)
            #expect(try await eventually { sink.count == 1 })
            try await client.close()
        }
        #expect(sink.texts == ["kept"])
        #expect(metrics.value("vigil_lines_received_total", [("listener", "udp")]) == 1)
    }
}
