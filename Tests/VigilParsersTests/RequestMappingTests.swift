import Foundation
import Testing
import VigilCore
import VigilParsers

@Suite struct RequestMappingTests {
    static func event(_ method: String?, _ url: String, status: Int?) -> AuditEvent {
        var event = AuditEvent(time: Timestamp(microseconds: 0), received: Timestamp(microseconds: 0))
        event.method = method
        event.url = url
        event.status = status
        return event
    }

    static func mapped(_ mapping: RequestMapping, _ method: String?, _ url: String, status: Int?, referrer: String? = nil)
        -> AuditEvent
    {
        var event = event(method, url, status: status)
        mapping.apply(to: &event, referrer: referrer)
        return event
    }

    @Test(arguments: [
        ("GET", "/products/1", 200, "view", "success"),
        ("HEAD", "/", 304, "view", "success"),
        ("POST", "/api/orders", 201, "create", "success"),
        ("PUT", "/api/orders/1", 500, "update", "failure"),
        ("PATCH", "/api/orders/1", 200, "update", "success"),
        ("DELETE", "/api/orders/1", 404, "delete", "failure"),
        ("OPTIONS", "/api", 204, "request", "success"),
        ("GET", "/login", 200, "view", "success"),
        ("POST", "/login", 302, "login", "success"),
        ("POST", "/login?next=/a", 200, "login", "unknown"),
        ("POST", "/api/auth/login", 401, "login_failed", "failure"),
        ("POST", "/wp-login.php", 303, "login", "success"),
        ("POST", "/users/sign_in", 403, "login_failed", "failure"),
        ("GET", "/logout", 302, "logout", "success"),
        ("POST", "/admin/admin/auth/logout/", 500, "logout", "failure"),
    ] as [(String, String, Int, String, String)])
    func defaultsFollowMethodConventionsAndStatus(_ row: (String, String, Int, String, String)) {
        let event = Self.mapped(RequestMapping(), row.0, row.1, status: row.2)
        #expect(event.action == row.3 && event.outcome == row.4, "\(row)")
    }

    static let longPrefix18 = String(repeating: "a", count: 18)

    /// The last path segment decides (cut at its first dot, then after its last `-` or `_`),
    /// letters in any case; a segment over 24 bytes is never a login.
    @Test(arguments: [
        ("/login", "login"), ("/Admin/Auth/LOGIN/", "login"), ("/wp-login.php?x=1", "login"),
        ("/users/sign_in#top", "login"), ("/account/customer_logout", "logout"), ("/log-off", "logout"),
        ("/", "create"), ("/blogin", "create"), ("/login-page", "create"), ("/lögin", "create"),
        ("/" + longPrefix18 + "-login", "login"), ("/" + longPrefix18 + "a-login", "create"),
        ("https://h/x/signout", "logout"),
    ] as [(String, String)])
    func loginAndLogoutComeFromTheLastSegment(_ row: (String, String)) {
        #expect(Self.mapped(RequestMapping(), "POST", row.0, status: 302).action == row.1, "\(row.0)")
    }

    @Test func missingStatusIsUnknown() {
        #expect(Self.mapped(RequestMapping(), "GET", "/", status: nil).outcome == "unknown")
    }

    @Test func templatesCaptureAndFirstMatchWins() throws {
        let mapping = try RequestMapping.parse(options: [
            "templates": [
                ["method": "POST", "path": "/admin/customer/{entity_id}/save", "action": "update", "entity_type": "customer",
                 "category": "customers"],
                ["method": "*", "path": "/admin/**/{entity_name}/view", "action": "view", "outcome_from_status": false],
                ["method": "GET|HEAD", "path": "/t/{attrs.tenant}/*/{category}", "action": "view"],
                ["method": ["POST"], "path": "/admin/**", "action": "update", "severity": "medium"],
            ],
        ])
        var event = Self.mapped(mapping, "POST", "/Admin/Customer/42/save?x=1", status: 302)
        #expect(event.action == "update" && event.entityType == "customer" && event.entityID == "42")
        #expect(event.category == "customers" && event.outcome == "success")
        event = Self.mapped(mapping, "GET", "https://h.example/admin/a/b/report-1/view", status: 500)
        #expect(event.action == "view" && event.entityName == "report-1" && event.outcome == nil)
        event = Self.mapped(mapping, "HEAD", "/t/acme/x/billing", status: 200)
        #expect(event.attrs["tenant"] == "acme" && event.category == "billing")
        event = Self.mapped(mapping, "POST", "/admin/other", status: 200)
        #expect(event.action == "update" && event.severity == "medium")
        event = Self.mapped(mapping, "GET", "/admin/other", status: 200)
        #expect(event.action == "view" && event.severity == nil)
        #expect(mapping.templateCount == 4)
    }

    @Test func errorsNameTheTemplateAndField() {
        func error(_ templates: JSONValue) -> ConfigurationError? {
            do {
                _ = try RequestMapping.parse(options: ["templates": templates])
                return nil
            } catch {
                return error
            }
        }
        #expect(error("x")?.path == "templates")
        #expect(error([["path": "/a", "action": "view"], ["action": "view"]])?.path == "templates[1].path")
        #expect(error([["path": "/a"]])?.path == "templates[0].action")
        #expect(error([["path": "a/b", "action": "view"]])?.path == "templates[0].path")
        #expect(error([["path": "/a/{bogus}", "action": "view"]])?.path == "templates[0].path")
        #expect(error([["path": "/a/x{entity_id}", "action": "view"]])?.path == "templates[0].path")
        #expect(error([["path": "/a", "action": "view", "method": 3]])?.path == "templates[0].method")
        #expect(error([["path": "/a", "action": "view", "severity": "urgent"]])?.path == "templates[0].severity")
        #expect(error([["path": "/a", "action": "view", "outcome_from_status": "yes"]])?.path == "templates[0].outcome_from_status")
        #expect(error([["path": "/a", "action": "view", "entity": "x"]])?.path == "templates[0].entity")
        #expect(throws: ConfigurationError.self) { try RequestMapping.parse(options: ["strip_parameters": 1]) }
        #expect(throws: ConfigurationError.self) { try RequestMapping.parse(options: ["rewrite_prefixes": ["x": "/y"]]) }
        #expect(throws: ConfigurationError.self) { try NginxParser(configuration: ParserConfiguration(options: ["templates": [1]])) }
    }

    @Test func magentoTemplatesLoadAndStripTheSecretKey() throws {
        let mapping = try RequestMapping.parse(options: WebFixture.templateFile("Config/templates/magento2-admin.yaml"))
        #expect(mapping.templateCount > 30)
        var event = Self.mapped(mapping, "GET", "/admin/customer/index/edit/id/7/key/0123456789abcdef0123456789abcdef/", status: 200)
        #expect(event.action == "view" && event.entityType == "customer" && event.entityID == "7")
        event = Self.mapped(mapping, "POST", "/index.php/admin/sales/order/cancel/order_id/9/key/abc/", status: 302)
        #expect(event.action == "update" && event.entityType == "order" && event.entityID == "9")
        event = Self.mapped(
            mapping, "POST", "/admin/customer/index/save/", status: 302,
            referrer: "https://shop.example/admin/customer/index/edit/id/55/key/ff00/")
        #expect(event.action == "update" && event.entityID == "55")
        event = Self.mapped(mapping, "POST", "/admin/admin/auth/login/", status: 200)
        #expect(event.action == "login" && event.outcome == "unknown")
        event = Self.mapped(mapping, "GET", "/checkout/cart/", status: 200)
        #expect(event.action == "view" && event.entityType == nil)
    }
}
