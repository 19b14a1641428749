import NIOCore

/// Collects the frames decoded during one read burst and passes them on as one array, so the task that submits
/// them wakes once per burst instead of once per line.
///
/// The batch is fired on `channelReadComplete`, on `channelInactive` or a half-close (frames decoded at end of
/// stream), and early when it reaches ``maximumBatchSize``.
public final class FrameBatchHandler: ChannelInboundHandler {
    public typealias InboundIn = Frame
    public typealias InboundOut = [Frame]

    /// A burst yielding more frames than this is passed on in several arrays.
    public let maximumBatchSize: Int
    private var pending: [Frame] = []

    /// - Parameter maximumBatchSize: The most frames passed on in one array; must be positive.
    public init(maximumBatchSize: Int = 4_096) {
        precondition(maximumBatchSize > 0, "maximumBatchSize must be positive")
        self.maximumBatchSize = maximumBatchSize
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending.append(Self.unwrapInboundIn(data))
        if pending.count >= maximumBatchSize { flush(context: context) }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        flush(context: context)
        context.fireChannelReadComplete()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        flush(context: context)
        context.fireChannelInactive()
    }

    /// The sender half-closed: the decoder has passed on its last frames, so they go now.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(ChannelEvent.inputClosed) = event as? ChannelEvent { flush(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func flush(context: ChannelHandlerContext) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        context.fireChannelRead(Self.wrapInboundOut(batch))
    }
}

@available(*, unavailable)
extension FrameBatchHandler: Sendable {}
