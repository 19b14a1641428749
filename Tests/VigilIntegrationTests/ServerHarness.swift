import Foundation
import Logging
import Testing
import VigilCore
import VigilServer
import VigilStore
import VigilTestSupport
@testable import VigilCLI

/// A real daemon (`makeServer`, the same wiring `vigil serve` uses) on loopback port 0 with a
/// temporary data directory.
final class ServerHarness: Sendable {
    let directory: String
    let server: VigilServer
    let task: Task<Void, any Error>
    let reader: StoreReader

    init(configure: (inout VigilConfiguration) -> Void = { _ in }) async throws {
        directory = TestSupport.temporaryDirectory("vigil-it")
        var configuration = VigilConfiguration()
        configuration.dataDirectory = directory
        var udp = VigilConfiguration.Listener(name: "udp", kind: .udp)
        udp.port = 0
        var tcp = VigilConfiguration.Listener(name: "tcp", kind: .tcp)
        tcp.port = 0
        var unix = VigilConfiguration.Listener(name: "unix", kind: .unix)
        unix.path = directory + "/vigil.sock"
        var dgram = VigilConfiguration.Listener(name: "unix-dgram", kind: .unixDatagram)
        dgram.path = directory + "/log.sock"
        configuration.listeners = [udp, tcp, unix, dgram]
        var http = VigilConfiguration.HTTP()
        http.port = 0
        configuration.http = http
        configuration.store.flushInterval = 0.01
        configure(&configuration)
        var logger = Logger(label: "vigil-test")
        logger.logLevel = .warning
        let server = try ServerBuilder.makeServer(configuration: configuration, logger: logger, shutdownSignals: [])
        self.server = server
        task = Task { try await server.run() }
        reader = StoreReader(directory: directory + "/store")
        let names = configuration.listeners.filter { $0.kind == .udp || $0.kind == .tcp }.map(\.name) + ["http"]
        let bound = await TestSupport.waitUntil { names.allSatisfy { server.ports[$0] != nil } }
        try #require(bound, "listeners did not bind")
        _ = await TestSupport.waitUntil {
            FileManager.default.fileExists(atPath: self.directory + "/log.sock")
        }
    }

    func port(_ name: String) -> Int { server.ports[name] ?? 0 }

    var tcpAddress: SendAddress { .tcp(host: "127.0.0.1", port: port("tcp")) }
    var udpAddress: SendAddress { .udp(host: "127.0.0.1", port: port("udp")) }
    var httpURL: String { "http://127.0.0.1:\(port("http"))" }

    /// Sends lines with the CLI's sender (what `vigil send` does).
    func send(_ lines: [String], to address: SendAddress, octetCounting: Bool = false) throws {
        var sender = try LineSender(address: address, octetCounting: octetCounting)
        for line in lines { try sender.send(Array(line.utf8)) }
        try sender.finish()
    }

    func count() throws -> Int64 { try reader.count() }

    /// Waits until the store holds `n` events (and no more arrive for a moment).
    @discardableResult
    func waitForCount(_ n: Int64, timeout: Duration = .seconds(30)) async throws -> Int64 {
        _ = await TestSupport.waitUntil(timeout: timeout) { ((try? self.count()) ?? 0) >= n }
        try? await Task.sleep(for: .milliseconds(100))
        return try count()
    }

    func query(_ filter: String, limit: Int = 10_000) throws -> [AuditEvent] {
        try reader.query(try Filter.parse(filter), limit: limit, now: .now()).events.map(\.event)
    }

    func stop() async throws {
        await server.shutdown()
        try await task.value
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
