#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP or UDP client socket with send and receive timeouts, for notifiers; TCP ones can
/// switch to TLS (``startTLS(host:options:)``). Notifiers call it only inside ``NotifierOptions/runBlocking(_:)``.
struct NotifierSocket {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var tls: TLSSession?

    init(fd: Int32) { self.fd = fd }

    /// Handshakes TLS over the connection; everything after it is encrypted. Fails when the server
    /// already sent bytes past the line that accepted STARTTLS: those were not protected, and
    /// reading them as if they were would let a man in the middle inject replies.
    mutating func startTLS(host: String, options: TLSOptions) throws(AlertError) {
        guard buffer.isEmpty else {
            throw .deliveryFailed(notifier: "", reason: "the server sent data before the TLS handshake")
        }
        tls = try TLSSession(fd: fd, host: host, options: options)
    }

    /// - Parameter timeout: seconds connecting and each send or receive may block.
    static func connect(host: String, port: Int, udp: Bool = false, timeout: Double) throws(AlertError) -> NotifierSocket {
        let type = Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        var hints = addrinfo()
        hints.ai_socktype = type
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw .deliveryFailed(notifier: "", reason: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let current = info {
            let fd = socket(current.pointee.ai_family, type, 0)
            if fd >= 0 {
                var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
                _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                    return NotifierSocket(fd: fd)
                }
                lastError = String(cString: strerror(errno))
                Glibc.close(fd)
            }
            info = current.pointee.ai_next
        }
        throw .deliveryFailed(notifier: "", reason: "cannot connect to \(host):\(port): \(lastError)")
    }

    func write(_ bytes: [UInt8]) throws(AlertError) {
        if let tls { return try tls.write(bytes) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .deliveryFailed(notifier: "", reason: "sending failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    func write(_ text: String) throws(AlertError) { try write(Array(text.utf8)) }

    /// Some bytes; empty at end of stream.
    func read() throws(AlertError) -> [UInt8] {
        if let tls { return try tls.read(limit: 16_384) }
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, 16_384, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
                throw .deliveryFailed(notifier: "", reason: "reading failed: \(reason)")
            }
            return Array(chunk[0..<n])
        }
    }

    /// One CRLF- or LF-terminated line, without the terminator.
    mutating func readLine() throws(AlertError) -> String {
        while true {
            if let lf = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<lf])
                buffer.removeFirst(lf + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            let chunk = try read()
            if chunk.isEmpty { throw .deliveryFailed(notifier: "", reason: "the server closed the connection") }
            if buffer.count > 1 << 20 { throw .deliveryFailed(notifier: "", reason: "the server sent an overlong line") }
            buffer += chunk
        }
    }

    /// Everything until the peer closes (bounded).
    mutating func readAll(limit: Int = 1 << 20) throws(AlertError) -> [UInt8] {
        var out = buffer
        buffer = []
        while out.count < limit {
            let chunk = try read()
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
    }

    func close() {
        tls?.shutdown()
        _ = Glibc.close(fd)
    }
}

extension AlertError {
    /// The same failure, attributed to a notifier.
    func from(_ notifier: String) -> AlertError {
        if case .deliveryFailed(_, let reason) = self { return .deliveryFailed(notifier: notifier, reason: reason) }
        return self
    }
}
