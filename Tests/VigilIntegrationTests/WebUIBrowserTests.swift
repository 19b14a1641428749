import Foundation
import Testing
import VigilTestSupport
@testable import VigilCLI

extension Integration {
    /// The web UI in a real headless Chromium (Debian's chromium, chromium-driver and
    /// python3-selenium, installed by `./dev test`): `Tests/Browser/walkthrough.py` logs in, loads the
    /// dashboard, filters the activity log to one actor and action, opens the event and reads its
    /// changes, exports CSV, and checks the admin page refuses a viewer; one screenshot per step in
    /// `.build/browser-screenshots/`.
    @Suite struct WebUIBrowserTests {
        @Test func anAuditorWalksThroughTheUIInChromium() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-browser")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            defer { _ = daemon.terminate() }

            var client = try #require(HTTPClient(url: "http://127.0.0.1:\(daemon.http)"))
            client.timeout = 30
            let seed = """
                [{"user":"jane.doe","action":"login","kind":"auth","ip":"203.0.113.9","session":"s-1","outcome":"success"},
                 {"user":"jane.doe","action":"update","entity_type":"customer","entity_id":"CUST-12345","entity_name":"ACME Ltd","category":"customers","ip":"203.0.113.9","session":"s-1","before":{"email":"old@example.com"},"after":{"email":"new@example.com"},"message":"changed the billing email"},
                 {"user":"jane.doe","action":"view","entity_type":"customer","entity_id":"CUST-12345","session":"s-1"},
                 {"user":"bob","action":"export","entity_type":"customer","attrs":{"records":5000},"message":"exported customers"},
                 {"user":"bob","action":"update","entity_type":"order","entity_id":"O-7","before":{"status":"new"},"after":{"status":"paid"}}]
                """
            let (response, _) = try client.fetch(method: "POST", path: "/api/v1/events", body: Array(seed.utf8), contentType: "application/json")
            #expect(response.status == 200)
            let added = try DaemonProcess.client(
                ["user", "add", "alice", "--role", "viewer", "--password-stdin", "--data-dir", dir], input: Data("alice-viewer-pw\n".utf8))
            #expect(added.status == 0, "\(added.output)")

            let shots = TestSupport.repositoryRoot.appendingPathComponent(".build/browser-screenshots").path
            try? FileManager.default.removeItem(atPath: shots)
            let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/Browser/walkthrough.py").path
            let run = try TestSupport.run(
                "/usr/bin/python3", [script, "http://127.0.0.1:\(daemon.http)", "alice", "alice-viewer-pw", shots])
            #expect(run.status == 0, "\(run.output.suffix(3000))")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: shots)) ?? []
            let pngs = files.filter { $0.hasSuffix(".png") && !$0.hasPrefix("FAILED") }
            #expect(pngs.count >= 10, "\(files)")
            for name in pngs {
                let size = (try? FileManager.default.attributesOfItem(atPath: shots + "/" + name)[.size] as? Int) ?? 0
                #expect(size > 5_000, "\(name) is \(size) bytes")
            }
        }
    }
}
