import NIOCore
import VigilCore

extension PeerInfo {
    /// The sender of a UDP datagram or TCP connection: `192.0.2.1:5140` or `[2001:db8::1]:5140`.
    /// IPv4-mapped IPv6 addresses (from a dual-stack socket) are shown as IPv4.
    init(inetAddress: SocketAddress) {
        var host = inetAddress.ipAddress ?? "\(inetAddress)"
        if host.hasPrefix("::ffff:"), host.contains(".") { host.removeFirst("::ffff:".count) }
        let address = ListenerAddress.inet(host: host, port: inetAddress.port ?? 0).description
        self.init(address: address, host: host)
    }
}
