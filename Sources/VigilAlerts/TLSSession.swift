import CTLS

#if canImport(Glibc)
import Glibc
#endif

/// How a notifier checks the server's certificate.
public struct TLSOptions: Sendable, Equatable {
    /// PEM file of the certificate authorities to trust instead of the system's (`tls_ca_file`).
    public var caFile: String?
    /// `false` (`tls_verify: false`) accepts any certificate: encryption without authentication.
    public var verify: Bool

    public init(caFile: String? = nil, verify: Bool = true) {
        self.caFile = caFile
        self.verify = verify
    }
}

/// Client-side TLS (OpenSSL, TLS 1.2 or newer) over an already connected blocking socket: STARTTLS
/// for SMTP, implicit TLS for SMTPS and HTTPS. The server's certificate must chain to a trusted
/// authority and name the host that was dialled (DNS name or IP address), unless `verify` is off.
final class TLSSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer

    /// Handshakes over `fd`; the socket's send and receive timeouts bound the handshake too.
    init(fd: Int32, host: String, options: TLSOptions) throws(AlertError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Self.failure("cannot create a TLS context") }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw Self.failure("cannot create a TLS session")
        }
        self.context = context
        self.ssl = ssl
        _ = vigil_tls_configure(context)
        let isAddress = Self.isIPAddress(host)
        if options.verify {
            // On the session: it copied the context's verify mode when it was created.
            SSL_set_verify(ssl, SSL_VERIFY_PEER, nil)
            if let caFile = options.caFile {
                guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                    throw Self.failure("cannot read the certificate authorities in \(caFile)")
                }
            } else {
                _ = SSL_CTX_set_default_verify_paths(context)
            }
            if isAddress {
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            } else {
                _ = SSL_set1_host(ssl, host)
            }
        } else {
            SSL_set_verify(ssl, SSL_VERIFY_NONE, nil)
        }
        if !isAddress { _ = vigil_tls_set_server_name(ssl, host) }
        _ = SSL_set_fd(ssl, fd)
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else {
            let verdict = SSL_get_verify_result(ssl)
            if options.verify && verdict != X509_V_OK {
                throw Self.failure("the certificate of \(host) is not trusted: \(String(cString: X509_verify_cert_error_string(verdict)))")
            }
            throw Self.failure("the TLS handshake with \(host) failed: \(Self.lastError(orErrno: errno))")
        }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    func write(_ bytes: [UInt8]) throws(AlertError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                SSL_write(ssl, raw.baseAddress! + offset, Int32(min(raw.count - offset, 1 << 20)))
            }
            guard n > 0 else { throw Self.failure("sending over TLS failed: \(ioError(n))") }
            offset += Int(n)
        }
    }

    /// Some bytes (at most `limit`); empty at the end of the stream.
    func read(limit: Int) throws(AlertError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: limit)
        let n = chunk.withUnsafeMutableBytes { raw in SSL_read(ssl, raw.baseAddress, Int32(raw.count)) }
        if n > 0 { return Array(chunk[0..<Int(n)]) }
        if SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN { return [] }
        throw Self.failure("reading over TLS failed: \(ioError(n))")
    }

    /// Sends close_notify (best effort; the socket is closed by its owner).
    func shutdown() { _ = SSL_shutdown(ssl) }

    private func ioError(_ result: Int32) -> String {
        let code = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return "timed out"
        case SSL_ERROR_SYSCALL where code == EAGAIN || code == EWOULDBLOCK: return "timed out"
        default: return Self.lastError(orErrno: code)
        }
    }

    private static func lastError(orErrno code: Int32) -> String {
        let error = ERR_get_error()
        if error != 0 {
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &text, text.count)
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if code == EAGAIN || code == EWOULDBLOCK { return "timed out" }
        return code != 0 ? String(cString: strerror(code)) : "the connection closed"
    }

    private static func failure(_ reason: String) -> AlertError { .deliveryFailed(notifier: "", reason: reason) }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

extension NotifierOptions {
    /// `tls_ca_file` and `tls_verify`.
    func tlsOptions() throws(AlertError) -> TLSOptions {
        let caFile = try string("tls_ca_file")
        if let caFile, access(caFile, R_OK) != 0 {
            throw fail("tls_ca_file", "cannot read \(caFile)")
        }
        return TLSOptions(caFile: caFile, verify: try bool("tls_verify") ?? true)
    }
}
