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

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.push(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish()
        context.fireChannelInactive()
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
