#if canImport(Glibc)
import Glibc
#endif

/// This machine's host name: the `host` of lines that arrive over Unix sockets and carry none.
enum LocalHost {
    static let name: String? = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }()
}
