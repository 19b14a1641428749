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
    public var sink: PipelineSink
    /// Bearer tokens for ingest, by secret → source name. Empty: ingest is open (loopback default).
    public var tokens: [String: String]
    public var metrics: PrometheusCollectorRegistry?
    public var maximumBodySize: Int
    public var logger: Logger
    /// Closes the open archive segment now; returns the JSON answer (`POST /api/v1/archive/rotate`).
    public var rotateArchive: (@Sendable () async throws -> String)?
    /// UI users and API tokens. `nil` only in tests of the API alone: then every reader is a local admin.
    public var access: AccessStore?
    public var sessions = SessionTable()
    /// Where archive segments live, for the dashboard's disk use.
    public var archiveDirectory: String?

    var authorization: Authorization { Authorization(access: access, sessions: sessions) }

    public init(
        reader: StoreReader, live: LiveStream, sink: PipelineSink, metrics: PrometheusCollectorRegistry?,
        maximumBodySize: Int = 16 << 20, tokens: [String: String] = [:], logger: Logger
    ) {
        self.tokens = tokens
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

    public static func makeRouter(_ deps: HTTPDependencies) -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self)
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
        router.get("/api/v1/events") { request, context in
            switch deps.authorization.api(request, .viewer) {
            case .denied(let response): return response
            case .allowed(let principal): return try await queryEvents(request, context, principal, deps)
            }
        }
        router.get("/api/v1/tail") { request, _ in
            if case .denied(let response) = deps.authorization.api(request, .viewer) { return response }
            return try tail(request, deps)
        }
        router.post("/api/v1/events") { request, _ in
            try await HTTPIngest.handle(request, deps)
        }
        router.post("/api/v1/archive/rotate") { request, _ in
            if case .denied(let response) = deps.authorization.api(request, .admin) { return response }
            guard let rotate = deps.rotateArchive else { throw HTTPError(.notFound, message: "archiving is off") }
            do {
                return jsonResponse(try await rotate())
            } catch {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
        WebRoutes.register(router, deps)
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

    static func queryEvents(_ request: Request, _ context: VigilRequestContext, _ principal: Principal, _ deps: HTTPDependencies)
        async throws -> Response
    {
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
        if cursor == nil {
            let text = params["q"].map(String.init) ?? ""
            await ReaderAudit(sink: deps.sink).record(
                principal, action: "search", ip: context.peerIP, userAgent: request.headers[.userAgent], query: text,
                rows: page.events.count, message: "\(principal.name) searched: \(text.isEmpty ? "(everything)" : text)")
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

    static func jsonResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        jsonResponse(Array(text.utf8), status: status)
    }

    static func jsonResponse(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
