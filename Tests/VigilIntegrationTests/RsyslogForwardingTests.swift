import Foundation
import Testing
import VigilCore
import VigilTestSupport
@testable import VigilCLI

/// A real rsyslog (Debian's package, extracted by `./dev test`, run unprivileged with its own
/// config and state) forwards to Vigil with both TCP framings.
extension Integration {
    @Suite struct RsyslogForwardingTests {
        static let rsyslogd = ProcessInfo.processInfo.environment["VIGIL_RSYSLOGD"]
        static let modules = ProcessInfo.processInfo.environment["VIGIL_RSYSLOG_MODULES"]

        @Test(.enabled(if: rsyslogd != nil, "set VIGIL_RSYSLOGD (./dev test does) to run rsyslog"))
        func rsyslogForwardsWithOctetCountingAndLFFramingExactlyOnce() async throws {
            let h = try await ServerHarness()
            let work = TestSupport.temporaryDirectory("rsyslog")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let octetPort = TestSupport.freePort(udp: true)
            let lfPort = TestSupport.freePort(udp: true)
            let config = """
                global(workDirectory="\(work)")
                module(load="imudp")
                ruleset(name="octet") {
                  action(type="omfwd" target="127.0.0.1" port="\(h.port("tcp"))" protocol="tcp"
                         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
                }
                ruleset(name="lf") {
                  action(type="omfwd" target="127.0.0.1" port="\(h.port("tcp"))" protocol="tcp"
                         TCP_Framing="traditional" template="RSYSLOG_ForwardFormat")
                }
                input(type="imudp" address="127.0.0.1" port="\(octetPort)" ruleset="octet")
                input(type="imudp" address="127.0.0.1" port="\(lfPort)" ruleset="lf")
                """
            try config.write(toFile: work + "/rsyslog.conf", atomically: true, encoding: .utf8)
            let rsyslog = Process()
            rsyslog.executableURL = URL(fileURLWithPath: try #require(Self.rsyslogd))
            rsyslog.arguments = ["-n", "-f", work + "/rsyslog.conf", "-i", work + "/rsyslog.pid"] + (Self.modules.map { ["-M", $0] } ?? [])
            let output = Pipe()
            rsyslog.standardError = output
            rsyslog.standardOutput = output
            try rsyslog.run()
            defer { rsyslog.terminate() }
            try await Task.sleep(for: .milliseconds(500))
            #expect(rsyslog.isRunning, "rsyslogd exited: \(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self))")

            let count = 200
            for (port, tag) in [(octetPort, "octet"), (lfPort, "lf")] {
                let socket = try ClientSocket.connect(.udp(host: "127.0.0.1", port: port))
                for i in 0..<count {
                    try socket.write(Array("<86>1 2026-11-22T10:00:00.000Z app01 payments 42 ID7 - \(tag)-\(i) forwarded".utf8))
                    if i % 50 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                }
                socket.close()
            }
            #expect(try await h.waitForCount(Int64(2 * count), timeout: .seconds(60)) == Int64(2 * count))
            let events = try h.query("")
            for tag in ["octet", "lf"] {
                let messages = events.compactMap(\.message).filter { $0.hasPrefix(tag + "-") }
                #expect(Set(messages).count == count, "\(tag): \(messages.count) lines, \(Set(messages).count) distinct")
                #expect(messages.count == count)
            }
            let sample = try #require(events.first { $0.message == "octet-7 forwarded" })
            #expect(sample.app == "payments")
            #expect(sample.host == "app01")
            #expect(sample.attrs["syslog"]?["facility"] == .int(10))
            try await h.stop()
        }
    }
}
