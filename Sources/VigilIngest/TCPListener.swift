import Logging
import Metrics
import NIOCore
import NIOPosix
import VigilCore

/// Receives syslog over TCP (RFC 6587 octet counting or LF framing, per frame) on IPv4 or IPv6.
///
/// Each connection hands its frames to `LineSink.submit` and waits for it: while the sink is full the connection
/// is not read, so TCP pushes back on the sender and nothing is dropped.
public final class TCPListener: IngestListener {
    /// The listener's settings; `address` must be `.inet`.
    public let configuration: ListenerConfiguration
    private let sink: any LineSink
    private let logger: Logger
    private let metrics: ListenerMetrics
    private let binding = ListenerBinding()

    /// - Parameters:
    ///   - configuration: Name, host and port (`0` for any free port), maximum line length.
    ///   - sink: Where lines go.
    ///   - logger: Logger for start, stop and connection events.
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
        let server = StreamServer(
            name: name, sink: sink, logger: logger, metrics: metrics,
            maximumLineLength: configuration.maximumLineLength)
        let channel: NIOAsyncChannel<StreamServer.Connection, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.autoRead, value: false)
                // A sender that half-closes (`vigil run`, `vigil send`) reads until we close, which the
                // connection's task does only once its last line is queued: delivery is then ordered
                // across that sender's connections.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(host: host, port: port) { child in
                    let peer = child.remoteAddress.map { PeerInfo(inetAddress: $0) }
                    return server.makeConnection(child, peer: child.eventLoop.makeSucceededFuture(peer))
                }
        } catch {
            throw IngestError.bindFailed(listener: name, address: configuration.address, reason: "\(error)")
        }
        let bound = ListenerAddress.inet(host: host, port: channel.channel.localAddress?.port ?? port)
        binding.bound(to: bound)
        logger.info("Listener started.", metadata: ["address": "\(bound)"])
        try await server.serve(channel)
        logger.info("Listener stopped.")
    }
}
