#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import Metrics
import NIOCore
import NIOPosix
import VigilCore

/// Receives syslog over a Unix stream socket (octet counting or LF framing, per frame), recording each
/// connection's peer credentials (`SO_PEERCRED`: uid, gid, pid) and executable.
///
/// Like ``TCPListener``, it waits for `LineSink.submit`, so a full sink pushes back on the sender.
public final class UnixStreamListener: IngestListener {
    /// The listener's settings; `address` must be `.unix`.
    public let configuration: ListenerConfiguration
    private let sink: any LineSink
    private let logger: Logger
    private let metrics: ListenerMetrics
    private let binding = ListenerBinding()

    /// - Parameters:
    ///   - configuration: Name, socket path, maximum line length, socket mode.
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

    /// The socket path once `run()` has bound, else `nil`.
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
        guard case .unix(let path) = configuration.address else {
            throw IngestError.unsupportedAddress(
                listener: name, address: configuration.address, expected: "a socket path")
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
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.autoRead, value: false)
                // A sender that half-closes (`vigil run`, `vigil send`) reads until we close, which the
                // connection's task does only once its last line is queued: delivery is then ordered
                // across that sender's connections.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { child in
                    server.makeConnection(child, peer: Self.peer(of: child, socketPath: path))
                }
        } catch {
            throw IngestError.bindFailed(listener: name, address: configuration.address, reason: "\(error)")
        }
        defer { unlink(path) }
        guard chmod(path, mode_t(configuration.socketMode)) == 0 else {
            let error = errno
            try? await channel.channel.close()
            throw IngestError.socketFailed(
                listener: name, address: configuration.address, operation: "chmod", errno: error)
        }
        binding.bound(to: .unix(path: path))
        logger.info("Listener started.", metadata: ["address": "\(path)"])
        try await server.serve(channel)
        logger.info("Listener stopped.")
    }

    /// The connecting process's credentials from `SO_PEERCRED`; just the path when they cannot be read.
    private static func peer(of channel: any Channel, socketPath: String) -> EventLoopFuture<PeerInfo?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(PeerInfo(address: socketPath, host: LocalHost.name))
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return credentials.map { credentials -> PeerInfo? in
            credentials.peerInfo(
                socketPath: socketPath, executable: PeerCredentials.executable(ofProcess: credentials.pid))
        }.recover { _ in PeerInfo(address: socketPath, host: LocalHost.name) }
    }
}
