import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VigilCore
import VigilStore

/// The web UI (`/ui/…`, `/login`, `/logout`) and the read API behind it (`/api/v1/…`).
enum WebRoutes {
    typealias Handler = @Sendable (Request, VigilRequestContext, Principal) async throws -> Response

    static func register(_ router: Router<VigilRequestContext>, _ deps: HTTPDependencies) {
        let data = WebData(reader: deps.reader, archiveDirectory: deps.archiveDirectory)
        let audit = ReaderAudit(sink: deps.sink)

        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/dashboard"]) }
        router.get("/ui") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/dashboard"]) }
        router.get("/ui/assets/app.css") { _, _ in asset(WebAssets.css, "text/css; charset=utf-8") }
        router.get("/ui/assets/app.js") { _, _ in asset(WebAssets.script, "text/javascript; charset=utf-8") }
        router.get("/login") { request, _ in
            WebLayout.loginPage(next: request.uri.queryParameters["next"].map(String.init), error: nil)
        }
        router.post("/login") { request, context in try await login(request, context, deps, audit) }
        router.post("/logout") { request, context in
            if let id = request.cookies[Authorization.cookieName]?.value, let session = deps.sessions.end(id) {
                await audit.record(
                    session.principal, action: "logout", ip: context.peerIP, userAgent: request.headers[.userAgent],
                    message: "\(session.principal.name) logged out of the Vigil web UI")
            }
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.setCookie(.init(name: Authorization.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }

        // MARK: Pages

        ui(router, "/ui/dashboard", deps) { _, _, principal in
            page("Dashboard", principal, .dashboard, WebPages.dashboard(try data.dashboard()))
        }
        ui(router, "/ui/events", deps) { request, context, principal in
            let params = [String: String](query: request.uri.queryParameters)
            let filter = ActivityFilter(parameters: params)
            var page: EventPage?
            var error: String?
            var status = HTTPResponse.Status.ok
            do {
                let parsed = try Filter.parse(filter.filterText)
                let cursor = try params["before"].flatMap { $0.isEmpty ? nil : try EventCursor($0) }
                page = try deps.reader.query(parsed, limit: 100, before: cursor, now: .now())
                if cursor == nil {
                    await audit.record(
                        principal, action: "search", ip: context.peerIP, userAgent: request.headers[.userAgent],
                        query: filter.filterText, rows: page?.events.count,
                        message: "\(principal.name) searched the activity log: \(filter.filterText.isEmpty ? "(everything)" : filter.filterText)")
                }
            } catch let failure as FilterError {
                error = "Invalid filter: \(failure)"
                status = .badRequest
            } catch let failure as StoreError {
                error = "\(failure)"
                status = .badRequest
            }
            if params["partial"] == "1" {
                return WebLayout.response(WebPages.activityResults(filter, page: page, error: error), status: status)
            }
            return WebLayout.response(
                WebLayout.page("Activity log", principal, section: .events, body: WebPages.activity(filter, page: page, error: error)),
                status: status)
        }
        ui(router, "/ui/events/{id}", deps) { request, context, principal in
            let id = context.parameters.get("id") ?? ""
            guard let stored = try deps.reader.event(id: id) else {
                return WebLayout.errorPage(principal, status: .notFound, "No event with id \(id).")
            }
            await recordView(audit, principal, request, context, stored)
            let related = try data.related(stored.event)
            return page("Event \(id)", principal, .events, WebPages.eventDetail(stored, related: related))
        }
        ui(router, "/ui/entities/{type}/{id}", deps) { request, context, principal in
            let type = context.parameters.get("type") ?? ""
            let id = context.parameters.get("id") ?? ""
            let atText = request.uri.queryParameters["at"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let at = try atText.map(parseTime)
            let history = try data.entityHistory(type: type, id: id, at: at)
            await audit.record(
                principal, action: "view", ip: context.peerIP, userAgent: request.headers[.userAgent], entity: (type, id),
                rows: history.events.count, message: "\(principal.name) viewed the history of \(type) \(id)")
            return page("\(type) \(id)", principal, .events, WebPages.entityHistory(type: type, id: id, at: atText, history))
        }
        ui(router, "/ui/actors/{name}", deps) { request, context, principal in
            let name = context.parameters.get("name") ?? ""
            let since = request.uri.queryParameters["since"].map(String.init) ?? "30d"
            let summary = try data.actorSummary(name, since: since)
            await audit.record(
                principal, action: "view", ip: context.peerIP, userAgent: request.headers[.userAgent], entity: ("actor", name),
                message: "\(principal.name) viewed the activity summary of \(name)")
            return page(name, principal, .events, WebPages.actor(name, since: since, summary))
        }
        ui(router, "/ui/auth", deps) { request, _, principal in
            let cursor = try request.uri.queryParameters["before"].flatMap { $0.isEmpty ? nil : try EventCursor(String($0)) }
            let log = try deps.reader.query(try Filter.parse(WebData.authFilterText), limit: 100, before: cursor, now: .now())
            let active = cursor == nil ? try data.activeSessions() : []
            return page("Authentication", principal, .auth, WebPages.auth(log.events, active: active, next: log.nextCursor))
        }
        ui(router, "/ui/admin", deps, role: .admin) { _, _, principal in
            page("Admin", principal, .admin,
                 WebPages.admin(users: deps.access?.users() ?? [], tokens: deps.access?.tokens() ?? []))
        }

        // MARK: JSON

        api(router, "/api/v1/whoami", deps) { _, _, principal in
            json(.object(["name": .string(principal.name), "role": .string(principal.role.rawValue),
                          "kind": .string(principal.kind.rawValue)]))
        }
        api(router, "/api/v1/events/{id}", deps) { request, context, principal in
            let id = context.parameters.get("id") ?? ""
            guard let stored = try deps.reader.event(id: id) else { throw HTTPError(.notFound, message: "no event with id \(id)") }
            await recordView(audit, principal, request, context, stored)
            return json(APIViews.detail(stored, related: try data.related(stored.event)))
        }
        api(router, "/api/v1/entities/{type}/{id}/history", deps) { request, context, principal in
            let type = context.parameters.get("type") ?? ""
            let id = context.parameters.get("id") ?? ""
            let at = try request.uri.queryParameters["at"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }.map(parseTime)
            let history = try data.entityHistory(type: type, id: id, at: at)
            await audit.record(
                principal, action: "view", ip: context.peerIP, userAgent: request.headers[.userAgent], entity: (type, id),
                rows: history.events.count, message: "\(principal.name) viewed the history of \(type) \(id)")
            return json(APIViews.history(type: type, id: id, at: at, history))
        }
        api(router, "/api/v1/actors/{name}/summary", deps) { request, context, _ in
            let name = context.parameters.get("name") ?? ""
            let since = request.uri.queryParameters["since"].map(String.init) ?? "30d"
            return json(APIViews.actor(name, since: since, try data.actorSummary(name, since: since)))
        }
        api(router, "/api/v1/sessions", deps) { _, _, _ in
            json(.object(["sessions": .array(try data.activeSessions().map(APIViews.session))]))
        }
        api(router, "/api/v1/dashboard", deps) { _, _, _ in json(APIViews.dashboard(try data.dashboard())) }
        api(router, "/api/v1/export", deps) { request, context, principal in
            try export(request, context, principal, deps, audit)
        }
    }

    // MARK: Helpers

    static func ui(_ router: Router<VigilRequestContext>, _ path: RouterPath, _ deps: HTTPDependencies, role: Role = .viewer,
                   _ handler: @escaping Handler) {
        router.get(path) { request, context in
            let principal: Principal
            do throws(Authorization.Failure) {
                principal = try deps.authorization.require(request, role)
            } catch .unauthenticated {
                return WebLayout.loginPage(next: request.uri.description, error: nil, status: .unauthorized)
            } catch .forbidden(let who) {
                return WebLayout.errorPage(who, status: .forbidden, "This page needs the admin role; you are \(who.role.rawValue).")
            }
            do {
                return try await handler(request, context, principal)
            } catch let error as HTTPError {
                return WebLayout.errorPage(principal, status: error.status, error.body ?? "\(error.status)")
            } catch let error as FilterError {
                return WebLayout.errorPage(principal, status: .badRequest, "Invalid filter: \(error)")
            } catch {
                deps.logger.error("A page failed.", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                return WebLayout.errorPage(principal, status: .internalServerError, "\(error)")
            }
        }
    }

    static func api(_ router: Router<VigilRequestContext>, _ path: RouterPath, _ deps: HTTPDependencies, role: Role = .viewer,
                    _ handler: @escaping Handler) {
        router.get(path) { request, context in
            let principal: Principal
            switch deps.authorization.api(request, role) {
            case .denied(let response): return response
            case .allowed(let who): principal = who
            }
            do {
                return try await handler(request, context, principal)
            } catch let error as HTTPError {
                throw error
            } catch let error as FilterError {
                throw HTTPError(.badRequest, message: "invalid filter: \(error)")
            } catch let error as StoreError {
                if case .invalidCursor = error { throw HTTPError(.badRequest, message: "\(error)") }
                deps.logger.error("A read failed.", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
    }

    static func page(_ title: String, _ principal: Principal, _ section: WebLayout.Section, _ body: String) -> Response {
        WebLayout.response(WebLayout.page(title, principal, section: section, body: body))
    }

    static func json(_ value: JSONValue) -> Response { HTTPAPI.jsonResponse(APIViews.encode(value)) }

    static func asset(_ text: String, _ type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func parseTime(_ text: String) throws -> Timestamp {
        guard let t = Timestamp.parse(ActivityFilter.rfc3339(text)) else {
            throw HTTPError(.badRequest, message: "invalid time '\(text)': use RFC 3339, e.g. 2026-12-01T09:30:00Z")
        }
        return t
    }

    static func recordView(_ audit: ReaderAudit, _ principal: Principal, _ request: Request, _ context: VigilRequestContext,
                           _ stored: StoredEvent) async {
        await audit.record(
            principal, action: "view", ip: context.peerIP, userAgent: request.headers[.userAgent],
            entity: ("event", stored.event.id.description),
            message: "\(principal.name) viewed event \(stored.event.id) (\(stored.event.action) by \(stored.event.actor ?? "system"))")
    }

    static func login(_ request: Request, _ context: VigilRequestContext, _ deps: HTTPDependencies, _ audit: ReaderAudit)
        async throws -> Response
    {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        let form = formFields(String(buffer: body))
        let user = form["username"] ?? ""
        var next = form["next"] ?? "/ui/dashboard"
        if !next.hasPrefix("/") || next.hasPrefix("//") { next = "/ui/dashboard" }
        guard let access = deps.access, let principal = access.authenticate(user: user, password: form["password"] ?? "") else {
            await audit.record(
                Principal(name: String(user.prefix(64)), role: .viewer, kind: .user), action: "login_failed",
                ip: context.peerIP, userAgent: request.headers[.userAgent], outcome: Outcome.failure,
                message: "failed login to the Vigil web UI as \(user.prefix(64))")
            return WebLayout.loginPage(next: next, error: "Wrong user name or password.", status: .unauthorized)
        }
        let id = deps.sessions.start(principal, ip: context.peerIP, userAgent: request.headers[.userAgent])
        await audit.record(
            principal, action: "login", ip: context.peerIP, userAgent: request.headers[.userAgent],
            message: "\(principal.name) logged in to the Vigil web UI")
        var response = Response(status: .seeOther, headers: [.location: next])
        response.setCookie(.init(name: Authorization.cookieName, value: id, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    /// `application/x-www-form-urlencoded` fields.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// Streams every matching event, newest first, page by page (constant memory), then records the export.
    static func export(_ request: Request, _ context: VigilRequestContext, _ principal: Principal, _ deps: HTTPDependencies,
                       _ audit: ReaderAudit) throws -> Response {
        let params = [String: String](query: request.uri.queryParameters)
        guard let format = ExportFormat(rawValue: params["format"] ?? "csv") else {
            throw HTTPError(.badRequest, message: "format must be csv or jsonl")
        }
        let text = ActivityFilter(parameters: params).filterText
        let filter = try Filter.parse(text)
        let now = Timestamp.now()
        // A reader of its own that maps sealed partitions: an export walks the store backwards, which
        // `pread` serves ~5x slower on a cold cache; the maps go when the export ends. Only this
        // export's task uses it, one page at a time, so its connections need no locking.
        let reader = StoreReader(directory: deps.reader.directory, memoryMapped: true, shared: false)
        let ip = context.peerIP
        let agent = request.headers[.userAgent]
        let body = ResponseBody { writer in
            var cursor: EventCursor?
            var rows = 0
            try await writer.write(ByteBuffer(bytes: ExportRows.header(format)))
            while true {
                let page = try reader.exportPage(filter, format: format, limit: 2000, before: cursor, now: now)
                rows += page.rows
                if !page.bytes.isEmpty { try await writer.write(ByteBuffer(bytes: page.bytes)) }
                guard let next = page.nextCursor else { break }
                cursor = try EventCursor(next)
            }
            try await writer.finish(nil)
            await audit.record(
                principal, action: "export", ip: ip, userAgent: agent, query: text, rows: rows,
                message: "\(principal.name) exported \(rows) events as \(format.rawValue): \(text.isEmpty ? "(everything)" : text)")
        }
        let stamp = String(now.description.prefix(19)).replacingOccurrences(of: ":", with: "")
        return Response(
            status: .ok,
            headers: [
                .contentType: format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson",
                .contentDisposition: "attachment; filename=\"vigil-export-\(stamp).\(format.rawValue)\"",
                .cacheControl: "no-store",
            ],
            body: body)
    }
}
