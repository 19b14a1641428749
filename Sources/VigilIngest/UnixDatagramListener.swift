import Logging
import Metrics
import NIOPosix
import VigilCore

/// Receives syslog on a Unix datagram socket, like `/dev/log`: `logger -u PATH` and glibc `syslog(3)` work with it.
///
/// Each datagram is one line, stamped with its sender's uid, gid and pid (`SCM_CREDENTIALS`) and executable
/// (`/proc/PID/exe`). The socket is read on a dedicated thread, never on Swift's cooperative pool; what is queued
/// is read in batches and offered to `LineSink.trySubmit`; when the sink is full the batch is dropped and counted.
public final class UnixDatagramListener: IngestListener {
    /// The most datagrams offered to the sink at once.
    static let maximumBatchSize = 1_024
    /// How long the receiving thread waits before checking again whether it should stop.
    static let pollIntervalMilliseconds: Int32 = 250

    /// The listener's settings; `address` must be `.unix`.
    public let configuration: ListenerConfiguration
    private let sink: any LineSink
    private let logger: Logger
    private let metrics: ListenerMetrics
    private let binding = ListenerBinding()

    /// - Parameters:
    ///   - configuration: Name, socket path, maximum line length, receive buffer size, socket mode.
    ///   - sink: Where lines go, through `trySubmit`.
    ///   - logger: Logger for start, stop and receive errors.
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
        let socket: UnixDatagramSocket
        do {
            socket = try UnixDatagramSocket.bind(
                path: path, mode: configuration.socketMode, receiveBufferSize: configuration.receiveBufferSize)
        } catch {
            if error.operation == UnixDatagramSocket.notASocket {
                throw IngestError.pathInUse(listener: name, path: path)
            }
            throw IngestError.socketFailed(
                listener: name, address: configuration.address, operation: error.operation, errno: error.errno)
        }
        defer { socket.close() }
        if socket.receiveBufferSize < configuration.receiveBufferSize {
            logger.warning(
                "Receive buffer is smaller than configured; raise net.core.rmem_max to avoid drops under bursts.",
                metadata: [
                    "configured": "\(configuration.receiveBufferSize)", "granted": "\(socket.receiveBufferSize)",
                ])
        }
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        binding.bound(to: .unix(path: path))
        logger.info("Listener started.", metadata: ["address": "\(path)"])
        let failure: Int32? = await withTaskCancellationHandler {
            do {
                return try await thread.runIfActive { self.receiveLoop(socket) }
            } catch {
                return nil
            }
        } onCancel: {
            socket.requestStop()
        }
        try? await thread.shutdownGracefully()
        if let failure {
            throw IngestError.socketFailed(
                listener: name, address: configuration.address, operation: "recvmsg", errno: failure)
        }
        logger.info("Listener stopped.")
    }

    // MARK: - Receiving thread

    /// Reads until asked to stop, then reads what is still queued; returns the `errno` of a fatal failure.
    private func receiveLoop(_ socket: UnixDatagramSocket) -> Int32? {
        let receiver = DatagramReceiver(
            socket: socket, maximumLineLength: configuration.maximumLineLength, listener: name)
        defer { receiver.deallocate() }
        while !socket.isStopRequested {
            guard socket.waitUntilReadable(timeoutMilliseconds: Self.pollIntervalMilliseconds),
                !socket.isStopRequested
            else { continue }
            let (lines, failure) = receiver.receiveBatch(maximumCount: Self.maximumBatchSize)
            submit(lines)
            if let failure {
                logger.error("Receiving failed; the listener stops.", metadata: ["errno": "\(failure)"])
                return failure
            }
        }
        // Datagrams already queued were accepted by the kernel on our behalf: hand them over too.
        while true {
            let (lines, _) = receiver.receiveBatch(maximumCount: Self.maximumBatchSize)
            guard !lines.isEmpty else { break }
            submit(lines)
        }
        return nil
    }

    private func submit(_ lines: [ReceivedLine]) {
        guard !lines.isEmpty else { return }
        if sink.trySubmit(lines) {
            metrics.recordAccepted(lines, invalidFrames: 0)
        } else {
            metrics.droppedQueueFull.increment(by: lines.count)
        }
    }
}
