import Foundation
import VigilCore

/// An nginx `log_format` compiled once into literals and variables, matched against lines byte by byte.
///
/// ```
/// log_format:  $remote_addr - $remote_user [$time_local] "$request" $status ...
/// elements:    var(remote_addr) lit(" - ") var(remote_user) lit(" [") var(time_local) lit("] \"") ...
/// ```
///
/// A variable's value runs up to the next occurrence of the literal that follows it (nginx escapes `"`
/// inside variables as `\x22`, so quoted values cannot end early), or to the end of the line.
struct NginxLogFormat: Sendable {
    /// nginx's predefined `combined` format.
    static let combined =
        #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#

    enum Variable: Sendable, Equatable {
        case remoteAddress, forwardedFor, remoteUser, timeLocal, timeISO8601, msec, request, method, requestURI, uri
        case serverProtocol, status, bodyBytesSent, bytesSent, referrer, userAgent, requestTime, remotePort
        case tlsProtocol, tlsCipher
        /// Any other variable: kept in `attrs` under its name.
        case other(String)

        init(name: String) {
            switch name {
            case "remote_addr", "realip_remote_addr", "binary_remote_addr": self = .remoteAddress
            case "http_x_forwarded_for", "proxy_add_x_forwarded_for": self = .forwardedFor
            case "remote_user": self = .remoteUser
            case "time_local": self = .timeLocal
            case "time_iso8601": self = .timeISO8601
            case "msec": self = .msec
            case "request": self = .request
            case "request_method": self = .method
            case "request_uri": self = .requestURI
            case "uri", "document_uri": self = .uri
            case "server_protocol": self = .serverProtocol
            case "status": self = .status
            case "body_bytes_sent": self = .bodyBytesSent
            case "bytes_sent": self = .bytesSent
            case "http_referer": self = .referrer
            case "http_user_agent": self = .userAgent
            case "request_time": self = .requestTime
            case "remote_port": self = .remotePort
            case "ssl_protocol": self = .tlsProtocol
            case "ssl_cipher": self = .tlsCipher
            default: self = .other(name)
            }
        }
    }

    enum Element: Sendable {
        case literal([UInt8])
        case variable(Variable)
    }

    let elements: [Element]

    /// - Throws: ``ConfigurationError`` (path `log_format`) for an empty format, a `$` without a name, an
    ///   unclosed `${`, or two variables with no text between them (their boundary would be a guess).
    init(_ format: String) throws(ConfigurationError) {
        let b = Array(format.utf8)
        var elements: [Element] = []
        var literal: [UInt8] = []
        var i = 0
        func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F
        }
        while i < b.count {
            guard b[i] == UInt8(ascii: "$") else {
                literal.append(b[i])
                i += 1
                continue
            }
            var start = i + 1
            var end = start
            if start < b.count && b[start] == UInt8(ascii: "{") {
                start += 1
                end = start
                while end < b.count && b[end] != UInt8(ascii: "}") { end += 1 }
                guard end < b.count else {
                    throw ConfigurationError(path: "log_format", reason: "unclosed ${ at byte \(i)")
                }
                i = end + 1
            } else {
                while end < b.count && isNameByte(b[end]) { end += 1 }
                i = end
            }
            guard end > start else {
                throw ConfigurationError(path: "log_format", reason: "a $ without a variable name at byte \(start - 1)")
            }
            if !literal.isEmpty {
                elements.append(.literal(literal))
                literal = []
            } else if case .variable? = elements.last {
                throw ConfigurationError(
                    path: "log_format",
                    reason: "two variables with nothing between them at byte \(start - 1); separate them with text")
            }
            elements.append(.variable(Variable(name: String(decoding: b[start..<end], as: UTF8.self))))
        }
        if !literal.isEmpty { elements.append(.literal(literal)) }
        guard elements.contains(where: { if case .variable = $0 { return true } else { return false } }) else {
            throw ConfigurationError(path: "log_format", reason: "the format has no $variable")
        }
        self.elements = elements
    }

    /// Whether this is nginx's `combined` format (then the lenient built-in reader is used instead).
    var isCombined: Bool {
        guard let combined = try? NginxLogFormat(Self.combined) else { return false }
        return elements.count == combined.elements.count
            && zip(elements, combined.elements).allSatisfy { pair in
                switch pair {
                case (.literal(let a), .literal(let b)): return a == b
                case (.variable(let a), .variable(let b)): return a == b
                default: return false
                }
            }
    }

    /// Matches a whole line.
    /// - Throws: ``ParseError`` naming the literal that was expected and where.
    func match(_ b: [UInt8], zone: TimeZone, parser: String) throws(ParseError) -> AccessLogLine {
        var line = AccessLogLine()
        var forwarded: [String] = []
        var uri: String?
        var i = 0
        for (k, element) in elements.enumerated() {
            switch element {
            case .literal(let text):
                guard b.count - i >= text.count, b[i..<(i + text.count)].elementsEqual(text) else {
                    throw ParseError(
                        parser: parser,
                        reason: "the line does not follow log_format: expected \"\(String(decoding: text, as: UTF8.self))\"",
                        offset: i)
                }
                i += text.count
            case .variable(let variable):
                var end = b.count
                if k + 1 < elements.count, case .literal(let next) = elements[k + 1] {
                    guard let found = Self.find(next, in: b, from: i) else {
                        throw ParseError(
                            parser: parser,
                            reason: "the line does not follow log_format: \"\(String(decoding: next, as: UTF8.self))\" not found",
                            offset: i)
                    }
                    end = found
                }
                let range = i..<end
                i = end
                guard !range.isEmpty, !CommonLogFormat.isDash(b, range) else { continue }
                try assign(variable, b, range, zone: zone, parser: parser, line: &line, forwarded: &forwarded, uri: &uri)
            }
        }
        guard i == b.count else {
            throw ParseError(parser: parser, reason: "unexpected text after the last log_format field", offset: i)
        }
        if line.url == nil, let uri { line.url = uri }
        if !forwarded.isEmpty { line.clients = forwarded + line.clients }
        return line
    }

    private func assign(
        _ variable: Variable, _ b: [UInt8], _ range: Range<Int>, zone: TimeZone, parser: String,
        line: inout AccessLogLine, forwarded: inout [String], uri: inout String?
    ) throws(ParseError) {
        let text = { CommonLogFormat.text(b, range) }
        switch variable {
        case .remoteAddress: line.clients.append(contentsOf: AccessLogLine.addressList(b[range]))
        case .forwardedFor: forwarded = AccessLogLine.addressList(b[range])
        case .remoteUser: line.user = text()
        case .timeLocal:
            guard let (time, end) = CommonLogFormat.clfTime(b, at: range.lowerBound, zone: zone), end == range.upperBound
            else { throw ParseError(parser: parser, reason: "invalid $time_local", offset: range.lowerBound) }
            line.time = time
        case .timeISO8601:
            guard let time = Timestamp.parse(text()) else {
                throw ParseError(parser: parser, reason: "invalid $time_iso8601", offset: range.lowerBound)
            }
            line.time = time
        case .msec:
            guard let seconds = Double(text()) else {
                throw ParseError(parser: parser, reason: "invalid $msec", offset: range.lowerBound)
            }
            line.time = Timestamp(seconds: seconds)
        case .request: line.request = text()
        case .method: line.method = text()
        case .requestURI: line.url = text()
        case .uri: uri = text()
        case .serverProtocol:
            let value = text()
            line.httpVersion = value.hasPrefix("HTTP/") ? String(value.dropFirst(5)) : value
        case .status:
            guard let status = CommonLogFormat.number(b, range), status < 1000 else {
                throw ParseError(parser: parser, reason: "invalid $status", offset: range.lowerBound)
            }
            line.status = Int(status)
        case .bodyBytesSent: line.bytes = CommonLogFormat.number(b, range)
        case .bytesSent:
            if let value = CommonLogFormat.number(b, range) { line.attrs["bytes_sent"] = .int(value) }
        case .referrer: line.referrer = text()
        case .userAgent: line.userAgent = text()
        case .requestTime:
            if let seconds = Double(text()) { line.durationMS = seconds * 1000 }
        case .remotePort:
            if let port = CommonLogFormat.number(b, range) { line.attrs["client_port"] = .int(port) }
        case .tlsProtocol: line.attrs["tls_protocol"] = .string(text())
        case .tlsCipher: line.attrs["tls_cipher"] = .string(text())
        case .other(let name): line.attrs[name] = .string(text())
        }
    }

    /// The first index at or after `start` where `needle` occurs.
    static func find(_ needle: [UInt8], in b: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, b.count - start >= needle.count else { return nil }
        var i = start
        let last = b.count - needle.count
        while i <= last {
            if b[i] == first {
                var j = 1
                while j < needle.count && b[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
