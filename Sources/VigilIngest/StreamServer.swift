import Logging
import NIOCore
import Synchronization
import VigilCore

/// What TCP and Unix stream listeners share: the per-connection pipeline, one task per connection handing batches
/// to the sink, and an orderly shutdown.
final class StreamServer: Sendable {
    /// An accepted connection, set up on its event loop and handed to its own task.
    struct Connection: Sendable {
        let channel: any Channel
        let inbox: ConnectionInbox
        let peer: PeerInfo?
    }

    private struct OpenChannels {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isClosing = false
    }

    private let name: String
    private let sink: any LineSink
    private let logger: Logger
    private let metrics: ListenerMetrics
    private let maximumLineLength: Int
    private let openChannels = Mutex(OpenChannels())

    init(name: String, sink: any LineSink, logger: Logger, metrics: ListenerMetrics, maximumLineLength: Int) {
        self.name = name
        self.sink = sink
        self.logger = logger
        self.metrics = metrics
        self.maximumLineLength = maximumLineLength
    }

    /// Sets up an accepted channel (which must have `autoRead` off); runs on its event loop.
    func makeConnection(_ channel: any Channel, peer: EventLoopFuture<PeerInfo?>) -> EventLoopFuture<Connection> {
        track(channel)
        let maximumLineLength = self.maximumLineLength
        let logger = self.logger
        return peer.flatMapThrowing { peer in
            var connectionLogger = logger
            connectionLogger[metadataKey: "peer.address"] = peer?.address.map { .string($0) }
            let inbox = ConnectionInbox(requestRead: { channel.read() })
            try channel.pipeline.syncOperations.addHandlers(
                ByteToMessageHandler(SyslogStreamFrameDecoder(maximumFrameLength: maximumLineLength)),
                FrameBatchHandler(),
                ConnectionInboxHandler(inbox: inbox, logger: connectionLogger)
            )
            return Connection(channel: channel, inbox: inbox, peer: peer)
        }
    }

    /// Accepts connections until the task is cancelled or the server channel fails, then closes every connection
    /// and waits until each has handed its last frame to the sink.
    ///
    /// - Throws: The server channel's error; not `CancellationError`.
    func serve(_ server: NIOAsyncChannel<Connection, Never>) async throws {
        let failure: (any Error)? = await withDiscardingTaskGroup(returning: (any Error)?.self) { group in
            var failure: (any Error)?
            do {
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.handle(connection) }
                    }
                }
            } catch {
                if !(error is CancellationError) && !Task.isCancelled { failure = error }
            }
            closeAllConnections()
            return failure
        }
        if let failure { throw failure }
    }

    // MARK: - Connections

    private func handle(_ connection: Connection) async {
        metrics.connectionsActive.increment()
        defer { metrics.connectionsActive.decrement() }
        let metadata: Logger.Metadata = ["peer.address": "\(connection.peer?.address ?? "-")"]
        logger.debug("Connection opened.", metadata: metadata)
        // Not cancellable on purpose: after shutdown closes the channel, the inbox still yields what was decoded.
        while let batch = await connection.inbox.next() {
            let received = WallClock.now()
            var lines: [ReceivedLine] = []
            lines.reserveCapacity(batch.count)
            var invalidFrames = 0
            for frame in batch {
                if frame.hasBrokenOctetCount { invalidFrames += 1 }
                lines.append(
                    ReceivedLine(
                        bytes: frame.bytes, received: received, listener: name, peer: connection.peer,
                        truncatedFrom: frame.truncatedFrom))
            }
            await sink.submit(lines)
            metrics.recordAccepted(lines, invalidFrames: invalidFrames)
        }
        connection.channel.close(promise: nil)
        logger.debug("Connection closed.", metadata: metadata)
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let isAccepted = openChannels.withLock { open in
            guard !open.isClosing else { return false }
            open.channels[id] = channel
            return true
        }
        guard isAccepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in
            self.openChannels.withLock { open in open.channels[id] = nil }
        }
    }

    private func closeAllConnections() {
        let channels = openChannels.withLock { open in
            open.isClosing = true
            return Array(open.channels.values)
        }
        for channel in channels { channel.close(promise: nil) }
    }
}
