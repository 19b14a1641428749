/// One frame as a listener received it, before any parsing.
public struct ReceivedLine: Sendable {
    /// The frame's payload, exactly as received (trailing newline and NULs not yet stripped).
    public var bytes: [UInt8]
    /// When Vigil accepted it.
    public var received: Timestamp
    /// Name of the listener that received it (`udp`, `tcp`, `unix`, `unix-dgram`, `http`, or the configured name).
    public var listener: String
    /// Who sent it.
    public var peer: PeerInfo?
    /// Set when the frame was longer than the listener's maximum: the length before it was cut.
    public var truncatedFrom: Int?

    public init(bytes: [UInt8], received: Timestamp, listener: String, peer: PeerInfo? = nil, truncatedFrom: Int? = nil) {
        self.bytes = bytes
        self.received = received
        self.listener = listener
        self.peer = peer
        self.truncatedFrom = truncatedFrom
    }
}

/// The sender of a line: its network address, or for Unix sockets the kernel's credentials.
public struct PeerInfo: Sendable, Equatable {
    /// `192.0.2.1:5140`, `[::1]:5140`, or the socket path for Unix sockets.
    public var address: String? { didSet { refresh() } }
    /// Host part of `address` (no port), used when a line carries no hostname.
    public var host: String?
    public var uid: Int? { didSet { refresh() } }
    public var gid: Int? { didSet { refresh() } }
    public var pid: Int? { didSet { refresh() } }
    /// `/proc/PID/exe` of the sender, when it could be read.
    public var executable: String? { didSet { refresh() } }

    /// The `attrs.peer` object of DESIGN.md. Built once per sender, not per line: every line of a
    /// connection shares it.
    public private(set) var jsonValue: JSONValue = .object([:])
    /// Whether ``jsonValue`` has no member (nothing is known of the sender).
    public private(set) var isEmpty = true

    public init(
        address: String? = nil, host: String? = nil, uid: Int? = nil, gid: Int? = nil, pid: Int? = nil,
        executable: String? = nil
    ) {
        self.address = address
        self.host = host
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.executable = executable
        refresh()
    }

    private mutating func refresh() {
        var o: [String: JSONValue] = [:]
        if let address { o["address"] = .string(address) }
        if let uid { o["uid"] = .int(Int64(uid)) }
        if let gid { o["gid"] = .int(Int64(gid)) }
        if let pid { o["pid"] = .int(Int64(pid)) }
        if let executable { o["exe"] = .string(executable) }
        isEmpty = o.isEmpty
        jsonValue = .object(o)
    }
}

/// Where listeners hand their lines. Implemented by the pipeline's bounded queue.
public protocol LineSink: Sendable {
    /// Stream listeners await this: it suspends while the queue is full (backpressure), and it does
    /// not give up on cancellation, so every line a listener read is accepted.
    func submit(_ lines: [ReceivedLine]) async
    /// Datagram listeners call this: `false` when the queue is full (the caller counts the drop).
    func trySubmit(_ lines: [ReceivedLine]) -> Bool
}
