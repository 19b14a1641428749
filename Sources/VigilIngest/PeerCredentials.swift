#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import VigilCore

/// The kernel's credentials of the process at the other end of a Unix socket: Linux `struct ucred`.
///
/// Declared here with the same layout (`pid_t`, `uid_t`, `gid_t`: three 32-bit fields) because Glibc only
/// exposes `struct ucred` under `_GNU_SOURCE`, which Swift's Glibc module does not define.
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32

    /// `SCM_CREDENTIALS` from `<bits/socket.h>` (Linux); not imported into Swift.
    static let controlMessageType: Int32 = 2

    /// The sender as `attrs.peer` shows it: the listener's socket path plus uid, gid, pid and executable.
    func peerInfo(socketPath: String, executable: String?) -> PeerInfo {
        PeerInfo(
            address: socketPath, host: LocalHost.name, uid: Int(uid), gid: Int(gid), pid: Int(pid), executable: executable)
    }

    /// The target of `/proc/PID/exe`, or `nil` when the process is gone or belongs to another user.
    static func executable(ofProcess pid: Int32) -> String? {
        guard pid > 0 else { return nil }
        var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = target.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars -> Int in
                guard let base = chars.baseAddress else { return -1 }
                return readlink("/proc/\(pid)/exe", base, chars.count - 1)
            }
        }
        guard length > 0 else { return nil }
        return String(decoding: target[..<length], as: UTF8.self)
    }
}
