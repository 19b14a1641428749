import Foundation
import Testing
import VigilCore
import VigilServer
import VigilTestSupport
@testable import VigilCLI

#if canImport(Glibc)
import Glibc
#endif

/// A real nginx and a real haproxy (Debian's packages, extracted by `./dev test`, run unprivileged
/// with their own configs) log the requests the tests make to Vigil over syslog/UDP; the events carry
/// who did what to which entity, mapped by the shipped Magento 2 admin URL templates.
extension Integration {
    @Suite struct NginxHAProxyTests {
        static let nginx = ProcessInfo.processInfo.environment["VIGIL_NGINX"]
        static let haproxy = ProcessInfo.processInfo.environment["VIGIL_HAPROXY"]

        // MARK: - nginx

        @Test(.enabled(if: nginx != nil, "set VIGIL_NGINX (./dev test does) to run a real nginx"))
        func nginxAccessAndErrorLogsBecomeAuditEvents() async throws {
            let h = try await Self.harness(
                routes: [("web", "nginx"), ("webjson", "nginx")], parsers: try Self.magentoTemplates(for: ["nginx"]))
            let work = TestSupport.temporaryDirectory("nginx")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let site = TestSupport.freePort()
            let jsonSite = TestSupport.freePort()
            let app = TestSupport.freePort()
            try "john:{PLAIN}secret\n".write(toFile: work + "/htpasswd", atomically: true, encoding: .utf8)
            // The audited site asks for basic auth on /admin/ (so `$remote_user` is a checked user) and
            // proxies to an "application" server in the same nginx, which answers like Magento would.
            let admin = """
                    location /admin/ {
                      auth_basic "Magento admin";
                      auth_basic_user_file \(work)/htpasswd;
                      proxy_pass http://127.0.0.1:\(app);
                    }
                    location = /admin/admin/auth/login/ { proxy_pass http://127.0.0.1:\(app); }
                """
            // A master process (as nginx always runs), in the foreground: the master waits for signals with
            // an empty mask, so SIGTERM stops it even though children of the test runner start with most
            // signals blocked (a lone `master_process off` nginx never sees SIGTERM then). As root, the
            // worker stays root so it can read the temporary directory whatever its permissions.
            let config = """
                daemon off;
                \(getuid() == 0 ? "user root;" : "")
                worker_processes 1;
                pid \(work)/nginx.pid;
                error_log \(work)/error.log info;
                events { worker_connections 64; }
                http {
                  default_type text/plain;
                  client_body_temp_path \(work)/client_body;
                  proxy_temp_path \(work)/proxy;
                  fastcgi_temp_path \(work)/fastcgi;
                  uwsgi_temp_path \(work)/uwsgi;
                  scgi_temp_path \(work)/scgi;
                  log_format audit_json escape=json '{"time_local":"$time_local","remote_addr":"$remote_addr",'
                    '"remote_user":"$remote_user","request_method":"$request_method","request_uri":"$request_uri",'
                    '"status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,'
                    '"http_referer":"$http_referer","http_user_agent":"$http_user_agent",'
                    '"server_protocol":"$server_protocol"}';
                  server {
                    listen 127.0.0.1:\(site);
                    access_log syslog:server=127.0.0.1:\(h.port("web")),tag=nginx combined;
                    error_log syslog:server=127.0.0.1:\(h.port("web")),tag=nginx error;
                \(admin)
                    location / { return 404; }
                  }
                  server {
                    listen 127.0.0.1:\(jsonSite);
                    access_log syslog:server=127.0.0.1:\(h.port("webjson")),tag=nginx audit_json;
                \(admin)
                  }
                  server {
                    listen 127.0.0.1:\(app);
                    access_log off;
                    location = /admin/admin/auth/login/ {
                      if ($arg_bad) { return 403; }
                      return 302 /admin/dashboard/;
                    }
                    location / { return 200 "ok\\n"; }
                  }
                }
                """
            try config.write(toFile: work + "/nginx.conf", atomically: true, encoding: .utf8)
            let nginx = try PeerProcess(
                try #require(Self.nginx), ["-p", work + "/", "-c", work + "/nginx.conf", "-e", work + "/error.log"],
                output: work + "/stderr.log")
            defer { nginx.stop() }
            let up = await nginx.waitForPorts([site, jsonSite, app])
            try #require(up, "nginx did not start: \(nginx.output) \(Self.read(work + "/error.log"))")

            let base = "http://127.0.0.1:\(site)"
            let agent = "VigilIT/1.0"
            let user = ["-A", agent, "-u", "john:secret"]
            #expect(try Self.curl(user + ["-X", "POST", "-d", "firstname=John", base + "/admin/customer/index/save/id/42/key/0a1b2c3d/"]) == 200)
            #expect(try Self.curl(user + [base + "/admin/sales/order/view/order_id/7/"]) == 200)
            #expect(try Self.curl(["-A", agent, "-u", "john:wrong", base + "/admin/sales/order/view/order_id/8/"]) == 401)
            #expect(try Self.curl(["-A", agent, "-X", "POST", "-d", "login[username]=john", base + "/admin/admin/auth/login/"]) == 302)
            #expect(try Self.curl(["-A", agent, "-X", "POST", "-d", "login[username]=john", base + "/admin/admin/auth/login/?bad=1"]) == 403)
            #expect(try Self.curl(["-A", agent, base + "/nope"]) == 404)
            let jsonBase = "http://127.0.0.1:\(jsonSite)"
            let oddAgent = #"Vigil "quoted" \agent/2"#
            #expect(try Self.curl(["-A", oddAgent, "-u", "john:secret", jsonBase + "/admin/sales/order/view/order_id/7/?tab=info"]) == 200)
            let referrer = jsonBase + "/admin/customer/index/edit/id/42/"
            #expect(try Self.curl(user + ["-e", referrer, "-X", "POST", "-d", "firstname=J", jsonBase + "/admin/customer/index/save/"]) == 200)

            // 6 combined lines, 1 error line (the password mismatch), 2 JSON lines.
            #expect(try await h.waitForCount(9) == 9)
            let events = try h.query("")
            for event in events {
                #expect(event.error == nil, "unparsed: \(event.raw ?? "") — \(event.error ?? "")")
                #expect(event.app == "nginx")
                #expect(event.kind == "web")
                #expect(event.ip == "127.0.0.1")
            }

            let save = try Self.find(events, "web", "POST", "/admin/customer/index/save/id/42/key/0a1b2c3d/")
            #expect(save.actor == "john")
            #expect(save.status == 200)
            #expect(save.action == "update")
            #expect(save.entityType == "customer")
            #expect(save.entityID == "42")
            #expect(save.category == "customers")
            #expect(save.outcome == Outcome.success)
            #expect(save.userAgent == agent)
            #expect(save.attrs["http_version"] == .string("1.1"))

            let view = try Self.find(events, "web", "GET", "/admin/sales/order/view/order_id/7/")
            #expect(view.actor == "john")
            #expect(view.status == 200)
            #expect(view.action == "view")
            #expect(view.entityType == "order")
            #expect(view.entityID == "7")
            #expect(view.outcome == Outcome.success)

            // A wrong password: nginx still logs the user the client claimed, with a 401.
            let denied = try Self.find(events, "web", "GET", "/admin/sales/order/view/order_id/8/", action: "view")
            #expect(denied.actor == "john")
            #expect(denied.status == 401)
            #expect(denied.entityType == "order")
            #expect(denied.entityID == "8")
            #expect(denied.outcome == Outcome.failure)

            let login = try Self.find(events, "web", "POST", "/admin/admin/auth/login/")
            #expect(login.action == "login")
            #expect(login.status == 302)
            #expect(login.outcome == Outcome.success)
            #expect(login.category == "auth")
            #expect(login.actor == nil)

            let badLogin = try Self.find(events, "web", "POST", "/admin/admin/auth/login/?bad=1")
            #expect(badLogin.action == "login_failed")
            #expect(badLogin.status == 403)
            #expect(badLogin.outcome == Outcome.failure)

            let missing = try Self.find(events, "web", "GET", "/nope")
            #expect(missing.action == "view")
            #expect(missing.status == 404)
            #expect(missing.outcome == Outcome.failure)
            #expect(missing.actor == nil)
            #expect(missing.entityType == nil)

            // `error_log syslog:` to the same listener: the password mismatch.
            let error = try Self.find(events, "web", "GET", "/admin/sales/order/view/order_id/8/", action: "error")
            #expect(error.attrs["level"] == .string("error"))
            #expect(error.message?.contains(#"user "john": password mismatch"#) == true, "\(error.message ?? "")")
            #expect(error.attrs["http_host"] == .string("127.0.0.1:\(site)"))

            // The JSON log_format (escape=json): quotes and backslashes in values, the query string, the
            // referrer template (the edit page tells which customer the save updates), request_time.
            let jsonView = try Self.find(events, "webjson", "GET", "/admin/sales/order/view/order_id/7/?tab=info")
            #expect(jsonView.actor == "john")
            #expect(jsonView.status == 200)
            #expect(jsonView.action == "view")
            #expect(jsonView.entityType == "order")
            #expect(jsonView.entityID == "7")
            #expect(jsonView.outcome == Outcome.success)
            #expect(jsonView.userAgent == oddAgent)
            #expect(jsonView.durationMS != nil)
            #expect(jsonView.bytes == 3)
            #expect(jsonView.attrs["http_version"] == .string("1.1"))

            let jsonSave = try Self.find(events, "webjson", "POST", "/admin/customer/index/save/")
            #expect(jsonSave.actor == "john")
            #expect(jsonSave.action == "update")
            #expect(jsonSave.entityType == "customer")
            #expect(jsonSave.entityID == "42")
            #expect(jsonSave.attrs["referrer"] == .string(referrer))
            #expect(jsonSave.outcome == Outcome.success)
            try await h.stop()
        }

        // MARK: - haproxy

        @Test(.enabled(if: haproxy != nil, "set VIGIL_HAPROXY (./dev test does) to run a real haproxy"))
        func haproxyHTTPAndTCPLogsBecomeEvents() async throws {
            let h = try await Self.harness(
                routes: [("lb", "haproxy"), ("lb5424", "haproxy")], parsers: try Self.magentoTemplates(for: ["haproxy"]))
            let work = TestSupport.temporaryDirectory("haproxy")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let web = TestSupport.freePort()
            let tcp = TestSupport.freePort()
            let app = TestSupport.freePort()
            // fe_web (HTTP log) and fe_tcp (TCP log) forward to fe_app, which answers like the admin would
            // and logs nothing. Every line goes to two listeners: the legacy header and RFC 5424.
            // `dontlognull` (as in Debian's haproxy.cfg) keeps the readiness probes' empty connections out.
            let config = """
                global
                  log 127.0.0.1:\(h.port("lb")) local0
                  log 127.0.0.1:\(h.port("lb5424")) format rfc5424 local0
                defaults
                  log global
                  option dontlognull
                  timeout connect 5s
                  timeout client 10s
                  timeout server 10s
                frontend fe_web
                  mode http
                  option httplog
                  bind 127.0.0.1:\(web)
                  capture request header User-Agent len 64
                  capture response header Location len 64
                  default_backend be_app
                backend be_app
                  mode http
                  server app1 127.0.0.1:\(app)
                frontend fe_tcp
                  mode tcp
                  option tcplog
                  bind 127.0.0.1:\(tcp)
                  default_backend be_tcp
                backend be_tcp
                  mode tcp
                  server app1 127.0.0.1:\(app)
                frontend fe_app
                  mode http
                  no log
                  bind 127.0.0.1:\(app)
                  http-request return status 403 if { path /admin/admin/auth/login/ } { url_param(bad) -m found }
                  http-request return status 302 hdr location /admin/dashboard/ if { path /admin/admin/auth/login/ }
                  http-request return status 200 content-type text/plain string ok if { path_beg /admin/ }
                  http-request return status 404

                """
            try config.write(toFile: work + "/haproxy.cfg", atomically: true, encoding: .utf8)
            let haproxy = try PeerProcess(try #require(Self.haproxy), ["-db", "-f", work + "/haproxy.cfg"], output: work + "/stderr.log")
            defer { haproxy.stop() }
            let up = await haproxy.waitForPorts([web, tcp, app])
            try #require(up, "haproxy did not start: \(haproxy.output)")

            let base = "http://127.0.0.1:\(web)"
            let agent = ["-A", "VigilIT/1.0"]
            #expect(try Self.curl(agent + ["-X", "POST", "-d", "firstname=John", base + "/admin/customer/index/save/id/42/key/0a1b2c3d/"]) == 200)
            #expect(try Self.curl(agent + [base + "/admin/sales/order/view/order_id/7/?tab=info"]) == 200)
            #expect(try Self.curl(agent + ["-X", "POST", "-d", "login[username]=john", base + "/admin/admin/auth/login/"]) == 302)
            #expect(try Self.curl(agent + ["-X", "POST", "-d", "login[username]=john", base + "/admin/admin/auth/login/?bad=1"]) == 403)
            #expect(try Self.curl(agent + [base + "/missing"]) == 404)
            #expect(try Self.curl(agent + ["http://127.0.0.1:\(tcp)/admin/dashboard/"]) == 200)

            // 6 lines, each sent to both listeners.
            #expect(try await h.waitForCount(12) == 12)
            let events = try h.query("")
            for source in ["lb", "lb5424"] {
                let mine = events.filter { $0.source == source }
                #expect(mine.count == 6, "\(source)")
                for event in mine {
                    #expect(event.error == nil, "unparsed: \(event.raw ?? "") — \(event.error ?? "")")
                    #expect(event.ip == "127.0.0.1")
                    #expect(event.app == "haproxy")
                    #expect(event.kind == "web")
                    #expect(event.durationMS != nil && event.durationMS! >= 0)
                    #expect(event.attrs["client_port"]?.intValue != nil)
                    #expect(event.attrs["server_name"] == .string("app1"))
                }

                let save = try Self.find(mine, source, "POST", "/admin/customer/index/save/id/42/key/0a1b2c3d/")
                #expect(save.status == 200)
                #expect(save.action == "update")
                #expect(save.entityType == "customer")
                #expect(save.entityID == "42")
                #expect(save.outcome == Outcome.success)
                #expect(save.attrs["frontend_name"] == .string("fe_web"))
                #expect(save.attrs["backend_name"] == .string("be_app"))
                #expect(save.attrs["termination_state"] == .string("----"))
                #expect(save.attrs["captured_request_headers"] == .array([.string("VigilIT/1.0")]))
                #expect(save.attrs["http_version"] == .string("1.1"))
                #expect((save.bytes ?? 0) > 0)

                let view = try Self.find(mine, source, "GET", "/admin/sales/order/view/order_id/7/?tab=info")
                #expect(view.status == 200)
                #expect(view.action == "view")
                #expect(view.entityType == "order")
                #expect(view.entityID == "7")
                #expect(view.outcome == Outcome.success)

                let login = try Self.find(mine, source, "POST", "/admin/admin/auth/login/")
                #expect(login.action == "login")
                #expect(login.status == 302)
                #expect(login.outcome == Outcome.success)
                #expect(login.attrs["captured_response_headers"] == .array([.string("/admin/dashboard/")]))

                let badLogin = try Self.find(mine, source, "POST", "/admin/admin/auth/login/?bad=1")
                #expect(badLogin.action == "login_failed")
                #expect(badLogin.status == 403)
                #expect(badLogin.outcome == Outcome.failure)

                let missing = try Self.find(mine, source, "GET", "/missing")
                #expect(missing.action == "view")
                #expect(missing.status == 404)
                #expect(missing.outcome == Outcome.failure)

                // The TCP log format: one connection, no request line.
                let connection = try #require(mine.first { $0.action == "connection" }, "\(source): no TCP line")
                #expect(connection.attrs["frontend_name"] == .string("fe_tcp"))
                #expect(connection.attrs["backend_name"] == .string("be_tcp"))
                #expect(connection.attrs["termination_state"] == .string("--"))
                #expect(connection.outcome == Outcome.success)
                #expect(connection.method == nil)
                #expect((connection.bytes ?? 0) > 0)
            }
            try await h.stop()
        }

        // MARK: - Helpers

        /// A daemon with one UDP listener and route per `(listener, parser)`; unparsable lines are kept as
        /// `unparsed` with their error.
        static func harness(routes: [(String, String)], parsers: [String: [String: JSONValue]]) async throws -> ServerHarness {
            try await ServerHarness { configuration in
                for (listener, parser) in routes {
                    var udp = VigilConfiguration.Listener(name: listener, kind: .udp)
                    udp.port = 0
                    configuration.listeners.append(udp)
                    var route = VigilConfiguration.Route()
                    route.listener = listener
                    route.parser = parser
                    route.requireParser = true
                    configuration.routes.append(route)
                }
                configuration.parsers = parsers
            }
        }

        /// The shipped `Config/templates/magento2-admin.yaml`, included the way a user's `vigil.yaml` does.
        static func magentoTemplates(for parsers: [String]) throws -> [String: [String: JSONValue]] {
            let yaml = "parsers:\n" + parsers.map { "  \($0):\n    include: templates/magento2-admin.yaml\n" }.joined()
            let file = TestSupport.repositoryRoot.appendingPathComponent("Config/integration-test.yaml").path
            let loaded = try ConfigurationLoader.parse(yaml, file: file)
            for name in parsers {
                try #require((loaded.parsers[name]?["templates"]?.arrayValue?.count ?? 0) > 10, "templates not loaded for \(name)")
            }
            return loaded.parsers
        }

        /// The one event of `source` for the request; `action` tells an access line from an error line.
        static func find(
            _ events: [AuditEvent], _ source: String, _ method: String, _ url: String, action: String? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> AuditEvent {
            let matches = events.filter {
                $0.source == source && $0.method == method && $0.url == url && (action == nil || $0.action == action)
                    && (action != nil || $0.action != "error")
            }
            #expect(matches.count == 1, "\(source) \(method) \(url): \(matches.count) events", sourceLocation: sourceLocation)
            return try #require(
                matches.first,
                "no \(source) event for \(method) \(url); got: \(events.map { "\($0.source) \($0.method ?? "-") \($0.url ?? "-") \($0.error ?? "")" })",
                sourceLocation: sourceLocation)
        }

        /// Runs curl and returns the HTTP status (0 when it failed to connect).
        static func curl(_ arguments: [String]) throws -> Int {
            let curl = try #require(TestSupport.which("curl"), "curl is needed (./dev test installs it)")
            let result = try TestSupport.run(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"] + arguments)
            return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        static func read(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
    }
}

/// A peer daemon run in the foreground as a child process, its output in a file.
final class PeerProcess {
    let process = Process()
    let outputPath: String

    init(_ executable: String, _ arguments: [String], output: String) throws {
        outputPath = output
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Polls until the process accepts TCP connections on every port (or exits, or 20 s pass).
    func waitForPorts(_ ports: [Int]) async -> Bool {
        await TestSupport.waitUntil(timeout: .seconds(20)) {
            guard self.process.isRunning else { return true }
            return ports.allSatisfy { port in
                guard let socket = try? ClientSocket.connect(.tcp(host: "127.0.0.1", port: port)) else { return false }
                socket.close()
                return true
            }
        } && process.isRunning
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
