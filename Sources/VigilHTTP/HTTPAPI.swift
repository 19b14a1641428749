import Hummingbird
import Logging
import NIOCore
import Prometheus
import VigilCore
import VigilPipeline
import VigilStore

/// What the HTTP API needs from the rest of the daemon.
public struct HTTPDependencies: Sendable {
    public var reader: StoreReader
    public var live: LiveStream
    public var sink: any LineSink
    public var metrics: PrometheusCollectorRegistry?
    public var maximumBodySize: Int
    public var logger: Logger

    public init(
        reader: StoreReader, live: LiveStream, sink: any LineSink, metrics: PrometheusCollectorRegistry?,
        maximumBodySize: Int = 16 << 20, logger: Logger
    ) {
        self.reader = reader
        self.live = live
        self.sink = sink
        self.metrics = metrics
        self.maximumBodySize = maximumBodySize
        self.logger = logger
    }
}

/// The routes of the daemon's one HTTP port.
public enum HTTPAPI {
    public static let defaultLimit = 100
    public static let maximumLimit = 10_000

    public static func makeRouter(_ deps: HTTPDependencies) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.get("/healthz") { _, _ in
            jsonResponse(#"{"status":"ok"}"#)
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            deps.metrics?.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/api/v1/events") { request, _ in
            try queryEvents(request, deps)
        }
        router.get("/api/v1/tail") { request, _ in
            try tail(request, deps)
        }
        router.post("/api/v1/events") { request, _ in
            try await ingest(request, deps)
        }
        return router
    }

    static func filter(_ request: Request) throws -> Filter {
        let text = request.uri.queryParameters["q"].map(String.init) ?? ""
        do {
            return try Filter.parse(text)
        } catch {
            throw HTTPError(.badRequest, message: "invalid filter: \(error)")
        }
    }

    static func queryEvents(_ request: Request, _ deps: HTTPDependencies) throws -> Response {
        let filter = try filter(request)
        let params = request.uri.queryParameters
        var limit = defaultLimit
        if let text = params["limit"] {
            guard let value = Int(text), value > 0 else {
                throw HTTPError(.badRequest, message: "limit must be a positive number")
            }
            limit = min(value, maximumLimit)
        }
        var cursor: EventCursor?
        if let text = params["before"], !text.isEmpty {
            do {
                cursor = try EventCursor(String(text))
            } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
        }
        let page: EventPage
        do {
            page = try deps.reader.query(filter, limit: limit, before: cursor, now: .now())
        } catch {
            deps.logger.error("A query failed.", metadata: ["error": "\(error)"])
            throw HTTPError(.internalServerError, message: "the query failed: \(error)")
        }
        var w = JSONWriter(capacity: 1024 * page.events.count + 64)
        w.raw("{\"events\":[")
        for (i, stored) in page.events.enumerated() {
            if i > 0 { w.raw(",") }
            stored.event.encode(into: &w, includeChain: true)
        }
        w.raw("],\"next\":")
        if let next = page.nextCursor { w.write(next) } else { w.raw("null") }
        w.raw("}")
        return jsonResponse(w.bytes)
    }

    /// Newly stored events matching `q`, one JSON object per line, until the client goes away.
    static func tail(_ request: Request, _ deps: HTTPDependencies) throws -> Response {
        let filter = try filter(request)
        let predicate = filter.predicate(now: .now())
        let stream = deps.live.subscribe { predicate.matches($0) }
        let body = ResponseBody { writer in
            // An immediate newline lets clients see that the stream is open.
            try await writer.write(ByteBuffer(string: "\n"))
            for await event in stream {
                var bytes = event.jsonBytes()
                bytes.append(0x0A)
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-cache"], body: body)
    }

    /// Lines posted as the body (one per line, e.g. NDJSON) enter the pipeline like any listener's.
    static func ingest(_ request: Request, _ deps: HTTPDependencies) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: deps.maximumBodySize)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(deps.maximumBodySize) bytes")
        }
        let received = Timestamp.now()
        let bytes = body.readableBytesView
        if request.uri.queryParameters["format"] == "event" {
            return try await ingestEvents(bytes, received: received, deps)
        }
        var lines: [ReceivedLine] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.endIndex
            let line = Array(bytes[start..<end])
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
                lines.append(ReceivedLine(bytes: line, received: received, listener: "http", peer: nil))
            }
            start = end < bytes.endIndex ? bytes.index(after: end) : end
        }
        await deps.sink.submit(lines)
        return jsonResponse(#"{"accepted":\#(lines.count)}"#, status: .accepted)
    }

    /// Canonical events (one JSON object per line, as `query -o json` prints them) parsed elsewhere:
    /// `vigil import` and `vigil reparse` when a daemon holds the store. Ids and chain links are
    /// assigned anew; `received` becomes now.
    static func ingestEvents(_ bytes: ByteBufferView, received: Timestamp, _ deps: HTTPDependencies) async throws -> Response {
        var events: [AuditEvent] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A) where !line.isEmpty {
            lineNumber += 1
            do {
                var event = try AuditEvent(json: Array(line))
                event.received = received
                event.prevHash = nil
                event.hash = nil
                events.append(event)
            } catch {
                throw HTTPError(.badRequest, message: "line \(lineNumber): \(error)")
            }
        }
        guard let sink = deps.sink as? PipelineSink else {
            throw HTTPError(.serviceUnavailable, message: "this server does not take parsed events")
        }
        await sink.submit(events: events)
        return jsonResponse(#"{"accepted":\#(events.count)}"#, status: .accepted)
    }

    static func jsonResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        jsonResponse(Array(text.utf8), status: status)
    }

    static func jsonResponse(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
