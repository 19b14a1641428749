/// Settings of one listener. Plain values; reading them from YAML is the server's job.
public struct ListenerConfiguration: Sendable, Hashable {
    /// Name used in `ReceivedLine.listener`, logs and metrics, e.g. `"tcp"` or `"gateway-udp"`.
    public var name: String
    /// Host and port for UDP and TCP, a path for Unix sockets.
    public var address: ListenerAddress
    /// Longer frames are cut to this length and flagged `truncatedFrom`. 64 KiB by default.
    public var maximumLineLength: Int
    /// `SO_RCVBUF` for datagram sockets, in bytes. 8 MiB by default; the kernel caps it at `net.core.rmem_max`.
    public var receiveBufferSize: Int
    /// Permission bits of a Unix socket file. `0o666` by default, so any local user can log.
    public var socketMode: UInt32

    /// 64 KiB.
    public static let defaultMaximumLineLength = 65_536
    /// 8 MiB.
    public static let defaultReceiveBufferSize = 8 * 1_024 * 1_024

    /// - Parameters:
    ///   - name: Name in received lines, logs and metrics.
    ///   - address: Host and port, or a Unix socket path.
    ///   - maximumLineLength: Longest frame kept whole; must be positive.
    ///   - receiveBufferSize: `SO_RCVBUF` of datagram sockets.
    ///   - socketMode: Permission bits of a Unix socket file.
    public init(
        name: String,
        address: ListenerAddress,
        maximumLineLength: Int = Self.defaultMaximumLineLength,
        receiveBufferSize: Int = Self.defaultReceiveBufferSize,
        socketMode: UInt32 = 0o666
    ) {
        self.name = name
        self.address = address
        self.maximumLineLength = maximumLineLength
        self.receiveBufferSize = receiveBufferSize
        self.socketMode = socketMode
    }
}
