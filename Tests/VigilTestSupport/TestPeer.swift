import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real peer program (for alert notifier tests) (SMTP server, HTTP receiver) running for one test.
public final class TestPeer {
    public let process = Process()

    public init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// SIGKILL: aiosmtpd ignores SIGTERM, and a peer has nothing to flush.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    public static let fixtures = TestSupport.repositoryRoot.path + "/Tests/Fixtures/alerts"

    /// Debian's Python (which has python3-aiosmtpd), not whatever `python3` is first on PATH.
    public static var python: String? {
        ["/usr/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? TestSupport.which("python3")
    }

    public static var hasAiosmtpd: Bool {
        guard let python else { return false }
        return (try? TestSupport.run(python, ["-c", "import aiosmtpd"]).status) == 0
    }

    /// Whether something accepts TCP connections on the port.
    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A UDP socket on 127.0.0.1 that receives syslog datagrams.
public struct UDPReceiver {
    public let fd: Int32
    public let port: Int

    public init() {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                _ = bind(fd, p, len)
                return getsockname(fd, p, &len)
            }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    public func close() { _ = Glibc.close(fd) }
}
