import Foundation
import VigilHTTP

/// A minimal blocking HTTP/1.1 client for the daemon's API (GET and POST, chunked or
/// length-delimited bodies, streamed to a callback so `tail` can follow forever).
struct HTTPClient {
    struct Response {
        var status: Int
        var headers: [String: String]
    }

    let host: String
    let port: Int
    /// Sent as `Authorization: Bearer …` (ingest tokens); taken from `VIGIL_TOKEN` by default.
    var bearerToken: String? = ProcessInfo.processInfo.environment["VIGIL_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    /// Sent as `Authorization: Bearer …` on reads and admin calls (everything but ingest): an API
    /// token from `VIGIL_API_TOKEN`, else the daemon's local token in the data directory when readable.
    var apiToken: String? = ProcessInfo.processInfo.environment["VIGIL_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    /// Seconds connecting and each read or write may block; `nil` waits forever (`tail`).
    var timeout: Double?

    init?(url: String, dataDirectory: String? = nil) {
        guard case .http(let host, let port)? = SendAddress(url.hasPrefix("http://") ? url : "http://" + url) else {
            return nil
        }
        self.host = host
        self.port = port
        if apiToken == nil, let dataDirectory {
            apiToken = AccessStore.readTokenFile(AccessStore.directory(dataDirectory: dataDirectory) + "/local.token")
        }
    }

    /// Sends a request and hands body bytes to `onBody` as they arrive. Returns the response head.
    @discardableResult
    func request(
        method: String, path: String, body: [UInt8] = [], contentType: String? = nil,
        onBody: ([UInt8]) throws -> Void
    ) throws -> Response {
        let socket = try ClientSocket.connect(.tcp(host: host, port: port), timeout: timeout)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(SendAddress.bracket(host)):\(port)\r\nConnection: close\r\n"
        head += "User-Agent: vigil-cli\r\nAccept: */*\r\n"
        let ingest = method == "POST" && path.hasPrefix("/api/v1/events")
        if let token = ingest ? bearerToken : (apiToken ?? bearerToken) { head += "Authorization: Bearer \(token)\r\n" }
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try socket.write(Array(head.utf8) + body)

        var buffer: [UInt8] = []
        var headerEnd: Int?
        while headerEnd == nil {
            let chunk = try socket.read()
            if chunk.isEmpty { throw ClientSocket.Failure(description: "the server closed the connection early") }
            buffer += chunk
            headerEnd = find([13, 10, 13, 10], in: buffer)
        }
        let headerText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = headerText.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw ClientSocket.Failure(description: "the server sent an invalid response")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces
        }
        var rest = Array(buffer[(headerEnd! + 4)...])
        let response = Response(status: status, headers: headers)
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoder = ChunkedDecoder()
            try onBody(try decoder.feed(rest))
            while !decoder.finished {
                let chunk = try socket.read()
                if chunk.isEmpty { break }
                try onBody(try decoder.feed(chunk))
            }
        } else {
            if !rest.isEmpty { try onBody(rest) }
            while true {
                rest = try socket.read()
                if rest.isEmpty { break }
                try onBody(rest)
            }
        }
        return response
    }

    /// The whole body of a request.
    func fetch(method: String = "GET", path: String, body: [UInt8] = [], contentType: String? = nil) throws -> (Response, [UInt8]) {
        var data: [UInt8] = []
        let response = try request(method: method, path: path, body: body, contentType: contentType) { data += $0 }
        return (response, data)
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// Decodes `Transfer-Encoding: chunked` incrementally.
struct ChunkedDecoder {
    private var pending: [UInt8] = []
    private var remaining = 0
    private var state = State.size
    private(set) var finished = false

    private enum State { case size, data, dataEnd }

    mutating func feed(_ bytes: [UInt8]) throws -> [UInt8] {
        pending += bytes
        var out: [UInt8] = []
        var index = 0
        loop: while index < pending.count && !finished {
            switch state {
            case .size:
                guard let lf = pending[index...].firstIndex(of: 10) else { break loop }
                let line = String(decoding: pending[index..<lf], as: UTF8.self)
                let sizeText = line.split(separator: ";").first.map { $0.trimmingSpaces } ?? ""
                guard let size = Int(sizeText, radix: 16) else {
                    throw ClientSocket.Failure(description: "invalid chunk size '\(sizeText)'")
                }
                index = lf + 1
                if size == 0 {
                    finished = true
                } else {
                    remaining = size
                    state = .data
                }
            case .data:
                let n = min(remaining, pending.count - index)
                out += pending[index..<(index + n)]
                index += n
                remaining -= n
                if remaining == 0 { state = .dataEnd }
            case .dataEnd:
                guard let lf = pending[index...].firstIndex(of: 10) else { break loop }
                index = lf + 1
                state = .size
            }
        }
        pending.removeFirst(index)
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }
}
