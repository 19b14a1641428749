import Logging
import NIOCore

/// The last handler of a stream connection: passes frame batches into the connection's ``ConnectionInbox``.
final class ConnectionInboxHandler: ChannelInboundHandler {
    typealias InboundIn = [Frame]

    private let inbox: ConnectionInbox
    private let logger: Logger

    init(inbox: ConnectionInbox, logger: Logger) {
        self.inbox = inbox
        self.logger = logger
    }

    /// Whether the current read burst produced any frames.
    private var framesInThisRead = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framesInThisRead = true
        inbox.push(Self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Reads are requested by the consumer as it takes batches. A burst that completed no
        // frame (the middle of an over-long line being discarded, or of a large octet-counted
        // frame) gives the consumer nothing to take, so ask for more bytes here or the
        // connection would stall.
        if !framesInThisRead { context.read() }
        framesInThisRead = false
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish()
        context.fireChannelInactive()
    }

    /// A half-close ends the stream too; the connection's task closes the channel once it has
    /// submitted what was read.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(ChannelEvent.inputClosed) = event as? ChannelEvent { inbox.finish() }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        inbox.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The connection fails alone; its listener keeps serving.
        logger.debug("Connection failed.", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ConnectionInboxHandler: Sendable {}
