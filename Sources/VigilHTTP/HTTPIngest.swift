import Hummingbird
import NIOCore
import VigilCore
import VigilPipeline

/// `POST /api/v1/events`: the answer comes only after the events are committed, so a client that
/// got a 2xx never loses them; under backpressure the request is refused with 429 instead of queued.
enum HTTPIngest {
    /// Seconds a client is asked to wait after a 429.
    static let retryAfter = 1

    static func handle(_ request: Request, _ deps: HTTPDependencies) async throws -> Response {
        let listener = try authorize(request, deps)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: deps.maximumBodySize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(deps.maximumBodySize) bytes")
        }
        let received = Timestamp.now()
        let bytes = Array(body.readableBytesView)
        let ack = CommitAck()
        let accepted: Int
        let rejections: [IngestBody.Rejection]
        if request.uri.queryParameters["format"] == "event" {
            (accepted, rejections) = try submitEvents(bytes, received: received, ack: ack, deps)
        } else {
            let parsed: IngestBody
            do {
                parsed = try IngestBody(bytes, contentType: request.headers[.contentType])
            } catch {
                throw HTTPError(.badRequest, message: error.reason)
            }
            let lines = parsed.lines.map { ReceivedLine(bytes: $0, received: received, listener: listener, peer: nil) }
            guard deps.sink.trySubmit(lines, ack: ack) else { throw busy() }
            (accepted, rejections) = (lines.count, parsed.rejections)
        }
        guard await ack.wait() == .committed else {
            throw HTTPError(.serviceUnavailable, message: "the store failed; the events were not committed, send them again")
        }
        return result(accepted: accepted, rejections: rejections)
    }

    /// The listener name of the posted lines: the token's name, or `http` when ingest is open.
    static func authorize(_ request: Request, _ deps: HTTPDependencies) throws -> String {
        guard !deps.tokens.isEmpty else { return "http" }
        let header = request.headers[.authorization] ?? ""
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a bearer token is required")
        }
        let presented = Array(header.utf8.dropFirst(prefix.count))
        // Compare every token in constant time so timing tells nothing about a near miss.
        var match: String?
        for (secret, name) in deps.tokens where constantTimeEqual(Array(secret.utf8), presented) { match = name }
        guard let match else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#], message: "unknown token")
        }
        return match
    }

    /// Canonical events (one JSON object per line, as `query -o json` prints them) parsed elsewhere:
    /// `vigil import`, `vigil reparse` and `vigil run`. Ids and chain links are assigned anew;
    /// `received` becomes now; `time` is kept.
    static func submitEvents(
        _ bytes: [UInt8], received: Timestamp, ack: CommitAck, _ deps: HTTPDependencies
    ) throws -> (Int, [IngestBody.Rejection]) {
        var events: [AuditEvent] = []
        var rejections: [IngestBody.Rejection] = []
        var number = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) else { continue }
            do {
                var event = try AuditEvent(json: line)
                event.received = received
                event.prevHash = nil
                event.hash = nil
                events.append(event)
            } catch {
                rejections.append(.init(item: number, reason: "line \(number): \(error)"))
            }
        }
        guard deps.sink.trySubmit(events: events, ack: ack) else { throw busy() }
        return (events.count, rejections)
    }

    static func busy() -> HTTPError {
        HTTPError(.tooManyRequests, headers: [.retryAfter: "\(retryAfter)"], message: "the ingest queue is full; retry later")
    }

    /// 200 with counts and per-item errors; 400 when every item was bad.
    static func result(accepted: Int, rejections: [IngestBody.Rejection]) -> Response {
        var writer = JSONWriter()
        writer.raw("{\"accepted\":")
        writer.write(Int64(accepted))
        writer.raw(",\"rejected\":")
        writer.write(Int64(rejections.count))
        if !rejections.isEmpty {
            writer.raw(",\"errors\":[")
            for (i, rejection) in rejections.prefix(100).enumerated() {
                if i > 0 { writer.raw(",") }
                writer.raw("{\"item\":")
                writer.write(Int64(rejection.item))
                writer.raw(",\"error\":")
                writer.write(rejection.reason)
                writer.raw("}")
            }
            writer.raw("]")
        }
        writer.raw("}")
        let status: HTTPResponse.Status = accepted == 0 && !rejections.isEmpty ? .badRequest : .ok
        return HTTPAPI.jsonResponse(writer.bytes, status: status)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
