import HTTPTypes
import Hummingbird
import NIOCore

/// The frame around every page: navigation, who is logged in, the stylesheet and the script.
enum WebLayout {
    enum Section: String {
        case dashboard, events, auth, admin
    }

    static let securityHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    static func page(_ title: String, _ principal: Principal?, section: Section?, body: String) -> String {
        var h = HTML()
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
        h.escaped(title)
        h.raw(" · Vigil</title><link rel=\"stylesheet\" href=\"/ui/assets/app.css\"><script src=\"/ui/assets/app.js\"></script></head><body>")
        if let principal {
            h.raw("<header class=\"top\"><a class=\"brand\" href=\"/ui/dashboard\">Vigil</a>")
            let items: [(Section, String, String)] = [
                (.dashboard, "/ui/dashboard", "Dashboard"), (.events, "/ui/events", "Activity log"),
                (.auth, "/ui/auth", "Authentication"),
            ] + (principal.role == .admin ? [(.admin, "/ui/admin", "Admin")] : [])
            for (item, href, label) in items {
                h.link(href, label, attributes: item == section ? "class=\"active\"" : "")
            }
            h.raw("<span class=\"who\">")
            h.escaped("\(principal.name) (\(principal.role.rawValue))")
            h.raw("<form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form></span></header>")
        }
        h.raw("<main>")
        h.raw(body)
        h.raw("</main></body></html>")
        return h.text
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: securityHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func errorPage(_ principal: Principal?, status: HTTPResponse.Status, _ message: String) -> Response {
        var h = HTML()
        h.element("h1", "\(status.code) \(status.reasonPhrase)")
        h.element("div", message, attributes: "class=\"error\"")
        return response(page("\(status.code)", principal, section: nil, body: h.text), status: status)
    }

    static func loginPage(next: String?, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        var h = HTML()
        h.raw("<div class=\"login\"><h1>Vigil</h1>")
        if let error { h.element("div", error, attributes: "class=\"error\"") }
        h.raw("<form id=\"login-form\" method=\"post\" action=\"/login\">")
        h.raw("<input type=\"hidden\" name=\"next\" value=\"\(HTML.escape(next ?? "/ui/dashboard"))\">")
        h.raw("<label>User <input name=\"username\" autocomplete=\"username\" required autofocus></label>")
        h.raw("<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>")
        h.raw("<button class=\"primary\" type=\"submit\">Log in</button></form>")
        h.raw("<p class=\"muted\">API clients: send <code>Authorization: Bearer TOKEN</code> (<code>vigil token create</code>).</p></div>")
        return response(page("Log in", nil, section: nil, body: h.text), status: status)
    }
}
