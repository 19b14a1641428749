import Logging
import Metrics
import NIOCore
import NIOPosix
import VigilCore

/// Receives syslog over UDP, IPv4 or IPv6: one datagram is one line.
///
/// UDP never waits: each read burst is offered to `LineSink.trySubmit`, and when the sink is full the lines are
/// dropped and counted in `vigil_lines_dropped_total{reason="queue_full"}`. A large `SO_RCVBUF` (8 MiB by default)
/// absorbs bursts.
public final class UDPListener: IngestListener {
    /// Room for the largest UDP payload (65,507 bytes over IPv4, 65,527 over IPv6).
    static let datagramCapacity = 65_536

    /// The listener's settings; `address` must be `.inet`.
    public let configuration: ListenerConfiguration
    private let sink: any LineSink
    private let logger: Logger
    private let metrics: ListenerMetrics
    private let binding = ListenerBinding()

    /// - Parameters:
    ///   - configuration: Name, host and port (`0` for any free port), maximum line length, receive buffer size.
    ///   - sink: Where lines go, through `trySubmit`.
    ///   - logger: Logger for start and stop.
    ///   - metricsFactory: Where the listener's metrics are reported; the global factory by default.
    public init(
        configuration: ListenerConfiguration, sink: any LineSink, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.configuration = configuration
        self.sink = sink
        var logger = logger
        logger[metadataKey: "listener"] = .string(configuration.name)
        self.logger = logger
        self.metrics = ListenerMetrics(listener: configuration.name, factory: metricsFactory)
    }

    public var name: String { configuration.name }

    /// The bound address once `run()` has bound, else `nil`.
    public var boundAddress: ListenerAddress? { binding.address }

    public func waitUntilBound() async throws -> ListenerAddress { try await binding.wait() }

    public func run() async throws {
        do {
            try await serve()
        } catch {
            binding.failed(error)
            throw error
        }
        binding.failed(IngestError.notBound(listener: name))
    }

    private func serve() async throws {
        guard case .inet(let host, let port) = configuration.address else {
            throw IngestError.unsupportedAddress(
                listener: name, address: configuration.address, expected: "a host and port")
        }
        guard configuration.maximumLineLength > 0 else {
            throw IngestError.invalidMaximumLineLength(listener: name, value: configuration.maximumLineLength)
        }
        let (name, sink, metrics) = (self.name, self.sink, self.metrics)
        let maximumLineLength = configuration.maximumLineLength
        let receiveBufferSize = SocketOptionValue(clamping: configuration.receiveBufferSize)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: receiveBufferSize)
                .channelOption(
                    .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramCapacity))
                .channelOption(.maxMessagesPerRead, value: 64)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            DatagramBatchHandler(
                                listener: name, sink: sink, metrics: metrics, maximumLineLength: maximumLineLength))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw IngestError.bindFailed(listener: name, address: configuration.address, reason: "\(error)")
        }
        let bound = ListenerAddress.inet(host: host, port: channel.localAddress?.port ?? port)
        await checkReceiveBuffer(of: channel)
        binding.bound(to: bound)
        logger.info("Listener started.", metadata: ["address": "\(bound)"])
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        guard Task.isCancelled else { throw IngestError.closedUnexpectedly(listener: name, address: bound) }
        logger.info("Listener stopped.")
    }

    private func checkReceiveBuffer(of channel: any Channel) async {
        // Linux reports twice the usable size it granted, capped by net.core.rmem_max.
        guard let granted = try? await channel.getOption(.socketOption(.so_rcvbuf)).get(),
            Int(granted) / 2 < configuration.receiveBufferSize
        else { return }
        logger.warning(
            "Receive buffer is smaller than configured; raise net.core.rmem_max to avoid drops under bursts.",
            metadata: ["configured": "\(configuration.receiveBufferSize)", "granted": "\(granted / 2)"])
    }
}
