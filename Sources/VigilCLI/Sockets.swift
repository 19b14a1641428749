#if canImport(Glibc)
import Glibc
#endif

/// Blocking POSIX sockets for the client commands (`send`, `query --server`, `tail`).
/// The daemon itself uses SwiftNIO; a short-lived client does not need an event loop.
struct ClientSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    let datagram: Bool

    /// - Parameter timeout: seconds that connecting, and later each send or receive, may block
    ///   (`nil`: no limit).
    static func connect(_ address: SendAddress, timeout: Double? = nil) throws(Failure) -> ClientSocket {
        switch address {
        case .udp(let host, let port): return try inet(host: host, port: port, type: Int32(SOCK_DGRAM.rawValue), timeout)
        case .tcp(let host, let port), .http(let host, let port):
            return try inet(host: host, port: port, type: Int32(SOCK_STREAM.rawValue), timeout)
        case .unix(let path): return try unix(path: path, type: Int32(SOCK_STREAM.rawValue), timeout)
        case .unixDatagram(let path): return try unix(path: path, type: Int32(SOCK_DGRAM.rawValue), timeout)
        }
    }

    /// On Linux `SO_SNDTIMEO` also bounds `connect`.
    private static func applyTimeout(_ fd: Int32, _ timeout: Double?) {
        guard let timeout else { return }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func inet(host: String, port: Int, type: Int32, _ timeout: Double?) throws(Failure) -> ClientSocket {
        var hints = addrinfo()
        hints.ai_socktype = type
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let current = info {
            let fd = socket(current.pointee.ai_family, type, 0)
            if fd >= 0 {
                applyTimeout(fd, timeout)
                if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                    return ClientSocket(fd: fd, datagram: type == Int32(SOCK_DGRAM.rawValue))
                }
                lastError = String(cString: strerror(errno))
                Glibc.close(fd)
            }
            info = current.pointee.ai_next
        }
        throw Failure(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    private static func unix(path: String, type: Int32, _ timeout: Double?) throws(Failure) -> ClientSocket {
        let fd = socket(AF_UNIX, type, 0)
        guard fd >= 0 else { throw Failure(description: "cannot create a socket: \(String(cString: strerror(errno)))") }
        applyTimeout(fd, timeout)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            Glibc.close(fd)
            throw Failure(description: "the socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "cannot connect to \(path): \(message)")
        }
        return ClientSocket(fd: fd, datagram: type == Int32(SOCK_DGRAM.rawValue))
    }

    func write(_ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                if datagram && errno == ENOBUFS { continue }
                throw Failure(description: "sending failed: \(String(cString: strerror(errno)))")
            }
            if datagram { return }
            offset += n
        }
    }

    /// Reads some bytes; empty at end of stream.
    func read(max: Int = 65_536) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, max, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "reading failed: \(String(cString: strerror(errno)))")
            }
            return Array(buffer[0..<n])
        }
    }

    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    func close() { _ = Glibc.close(fd) }
}
