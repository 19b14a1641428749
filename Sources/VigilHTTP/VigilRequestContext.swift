import Hummingbird
import NIOCore

/// The request context of the daemon's HTTP port: Hummingbird's core storage plus the peer
/// address (recorded in the audit events of readers and in failed logins).
public struct VigilRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
