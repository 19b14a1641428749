import NIOCore
import VigilCore

/// Turns each UDP datagram into one line and offers the lines of a read burst to the sink in one `trySubmit`.
///
/// Never waits: when the sink is full the batch is dropped and counted. A datagram longer than the maximum line
/// length is cut and flagged.
final class DatagramBatchHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let listener: String
    private let sink: any LineSink
    private let metrics: ListenerMetrics
    private let maximumLineLength: Int
    private let maximumBatchSize: Int
    private var pending: [(bytes: [UInt8], peer: PeerInfo, truncatedFrom: Int?)] = []
    private var lastAddress: SocketAddress?
    private var lastPeer: PeerInfo?

    init(listener: String, sink: any LineSink, metrics: ListenerMetrics, maximumLineLength: Int,
         maximumBatchSize: Int = 1_024) {
        self.listener = listener
        self.sink = sink
        self.metrics = metrics
        self.maximumLineLength = maximumLineLength
        self.maximumBatchSize = maximumBatchSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        let length = envelope.data.readableBytes
        guard length > 0 else { return }
        let kept = min(length, maximumLineLength)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: kept) ?? []
        pending.append((bytes, peer(for: envelope.remoteAddress), length > kept ? length : nil))
        if pending.count >= maximumBatchSize { flush() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelInactive()
    }

    private func peer(for address: SocketAddress) -> PeerInfo {
        if let lastPeer, lastAddress == address { return lastPeer }
        let peer = PeerInfo(inetAddress: address)
        lastAddress = address
        lastPeer = peer
        return peer
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        let received = WallClock.now()
        let lines = pending.map {
            ReceivedLine(bytes: $0.bytes, received: received, listener: listener, peer: $0.peer,
                         truncatedFrom: $0.truncatedFrom)
        }
        pending.removeAll(keepingCapacity: true)
        if sink.trySubmit(lines) {
            metrics.recordAccepted(lines, invalidFrames: 0)
        } else {
            metrics.droppedQueueFull.increment(by: lines.count)
        }
    }
}

@available(*, unavailable)
extension DatagramBatchHandler: Sendable {}
