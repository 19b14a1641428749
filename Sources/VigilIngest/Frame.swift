/// One syslog frame cut out of a byte stream or a datagram, before any parsing.
public struct Frame: Sendable, Equatable {
    /// The frame's payload without its framing (no `MSG-LEN SP` prefix, no trailing LF, CR LF or NUL).
    public var bytes: [UInt8]
    /// Set when the frame was longer than the maximum: its original length; `bytes` holds the first part.
    public var truncatedFrom: Int?
    /// The frame started like an RFC 6587 octet count but the count was malformed, so it was read as an
    /// LF-terminated line instead.
    public var hasBrokenOctetCount: Bool

    /// Whether `bytes` is only the first part of a longer frame.
    public var isTruncated: Bool { truncatedFrom != nil }

    public init(bytes: [UInt8], truncatedFrom: Int? = nil, hasBrokenOctetCount: Bool = false) {
        self.bytes = bytes
        self.truncatedFrom = truncatedFrom
        self.hasBrokenOctetCount = hasBrokenOctetCount
    }
}
