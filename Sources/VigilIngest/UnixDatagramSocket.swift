#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A bound `AF_UNIX` datagram socket with `SO_PASSCRED`, read with blocking `recvmsg` on a dedicated thread.
///
/// NIO's own Unix datagram channel is not used: it closes on the first datagram from a sender that did not bind an
/// address (`logger`, `syslog(3)`), and it cannot return the per-datagram `SCM_CREDENTIALS` control message.
final class UnixDatagramSocket: Sendable {
    /// What one `recvmsg` returned.
    enum Received {
        /// A datagram of `length` bytes (possibly more than the buffer holds), with its sender's credentials.
        case datagram(length: Int, credentials: PeerCredentials?)
        /// Nothing queued.
        case wouldBlock
        /// The socket was shut down, or failed with `errno`.
        case failed(errno: Int32)
    }

    let path: String
    /// Read by the receiving thread without the lock; closed only after that thread has finished.
    private let descriptor: Int32
    private let isOpen = Mutex(true)
    private let stopRequested = Atomic<Bool>(false)

    /// The `operation` of the error thrown when a file that is not a socket is in the way.
    static let notASocket = "replace existing file"

    /// Room for one `cmsghdr` carrying a `struct ucred`, with slack for alignment.
    static let controlCapacity = 64

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Creates the socket at `path` (replacing a stale socket file), sets its mode, `SO_PASSCRED` and `SO_RCVBUF`.
    ///
    /// - Throws: ``SocketError`` naming the failing operation.
    static func bind(
        path: String, mode: UInt32, receiveBufferSize: Int
    ) throws(SocketError) -> UnixDatagramSocket {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw SocketError(operation: Self.notASocket, errno: EEXIST)
            }
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw SocketError(operation: "bind", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: pathBytes)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        let socket = UnixDatagramSocket(descriptor: descriptor, path: path)
        do throws(SocketError) {
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    Glibc.bind(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0 else { throw SocketError(operation: "bind", errno: errno) }
            guard chmod(path, mode_t(mode)) == 0 else { throw SocketError(operation: "chmod", errno: errno) }
            try socket.setOption(SO_PASSCRED, 1, operation: "setsockopt(SO_PASSCRED)")
            try socket.setOption(SO_RCVBUF, Int32(clamping: receiveBufferSize), operation: "setsockopt(SO_RCVBUF)")
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    private func setOption(_ name: Int32, _ value: Int32, operation: String) throws(SocketError) {
        var value = value
        guard setsockopt(descriptor, SOL_SOCKET, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError(operation: operation, errno: errno)
        }
    }

    /// The usable receive buffer the kernel granted (Linux reports twice that).
    var receiveBufferSize: Int {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0 else { return 0 }
        return Int(value) / 2
    }

    var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Asks the receiving thread to stop and wakes it; safe from any thread, any number of times.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        isOpen.withLock { isOpen in
            if isOpen { _ = shutdown(descriptor, Int32(SHUT_RD)) }
        }
    }

    /// Closes the descriptor and removes the socket file; call after the receiving thread has finished.
    func close() {
        let wasOpen = isOpen.withLock { isOpen in
            defer { isOpen = false }
            if isOpen { _ = Glibc.close(descriptor) }
            return isOpen
        }
        if wasOpen { unlink(path) }
    }

    /// Waits up to `timeoutMilliseconds` for a datagram (or a shutdown); `true` when `receive` will not block.
    func waitUntilReadable(timeoutMilliseconds: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, timeoutMilliseconds) > 0
    }

    /// Reads one datagram into `buffer` without blocking; `control` receives its `SCM_CREDENTIALS` message.
    func receive(into buffer: UnsafeMutableRawBufferPointer, control: UnsafeMutableRawBufferPointer) -> Received {
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        return withUnsafeMutablePointer(to: &vector) { vector in
            var message = msghdr()
            message.msg_iov = vector
            message.msg_iovlen = 1
            message.msg_control = control.baseAddress
            message.msg_controllen = control.count
            var length: Int
            repeat {
                // MSG_TRUNC: return the datagram's real length even when it exceeds the buffer.
                length = recvmsg(descriptor, &message, Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC))
            } while length < 0 && errno == EINTR
            if length < 0 {
                return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .failed(errno: errno)
            }
            let controlLength = min(Int(message.msg_controllen), control.count)
            let credentials = Self.credentials(in: UnsafeRawBufferPointer(rebasing: control[..<controlLength]))
            return .datagram(length: length, credentials: credentials)
        }
    }

    /// Finds `SCM_CREDENTIALS` among the control messages.
    ///
    /// Linux layout, what `CMSG_FIRSTHDR`/`CMSG_NXTHDR`/`CMSG_DATA` compute (macros Swift cannot import):
    /// ```
    /// +--------------------+-----------+----------+---------+------------------------+---------+-- next cmsghdr
    /// | cmsg_len (size_t)  | level i32 | type i32 | padding | data (struct ucred 12) | padding |
    /// +--------------------+-----------+----------+---------+------------------------+---------+--
    /// |<--- CMSG_ALIGN(sizeof(cmsghdr)) = 16 ------------->|
    /// |<--------------------- cmsg_len = CMSG_LEN(12) = 28 ------------------------>|
    /// |<--------------------- CMSG_ALIGN(cmsg_len) = CMSG_SPACE(12) = 32 -------------------------->|
    /// ```
    static func credentials(in control: UnsafeRawBufferPointer) -> PeerCredentials? {
        let headerSize = align(MemoryLayout<cmsghdr>.size)
        var offset = 0
        while offset + MemoryLayout<cmsghdr>.size <= control.count {
            let header = control.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            let length = Int(header.cmsg_len)
            guard length >= MemoryLayout<cmsghdr>.size, offset + length <= control.count else { return nil }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == PeerCredentials.controlMessageType,
                length - headerSize >= MemoryLayout<PeerCredentials>.size
            {
                return control.loadUnaligned(fromByteOffset: offset + headerSize, as: PeerCredentials.self)
            }
            offset += align(length)
        }
        return nil
    }

    /// `CMSG_ALIGN`: rounds up to a multiple of `sizeof(size_t)`.
    private static func align(_ length: Int) -> Int {
        let word = MemoryLayout<Int>.size
        return (length + word - 1) & ~(word - 1)
    }
}

/// A failed system call on a Unix datagram socket.
struct SocketError: Error {
    var operation: String
    var errno: Int32
}
