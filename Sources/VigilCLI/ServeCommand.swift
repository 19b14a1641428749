import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import VigilServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: listen, normalise, store, stream.",
        discussion: """
            With no flags it runs on the embedded default: loopback listeners (UDP and TCP 5514, Unix sockets
            in the data directory), HTTP on 127.0.0.1:8514, data under ./var.
            Address flags take HOST:PORT ([::1]:PORT for IPv6); path flags take a socket path.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "UDP listener address HOST:PORT (replaces the configured UDP listeners).")
    var udp: String?

    @Option(name: .long, help: "TCP listener address HOST:PORT (replaces the configured TCP listeners).")
    var tcp: String?

    @Option(name: .long, help: "Unix stream socket path (replaces the configured ones).")
    var unix: String?

    @Option(name: .customLong("unix-dgram"), help: "Unix datagram socket path, like /dev/log (replaces the configured ones).")
    var unixDatagram: String?

    @Option(name: .long, help: "HTTP address HOST:PORT for the API, tail and metrics.")
    var http: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func run() async throws {
        var configuration = try options.load()
        try applyOverrides(&configuration)
        let level = Logger.Level(rawValue: logLevel ?? configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "vigil")
        let server = try ServerBuilder.makeServer(configuration: configuration, logger: logger, metrics: registry)
        logger.info(
            "Vigil is starting.",
            metadata: [
                "data_dir": "\(configuration.dataDirectory)",
                "listeners": "\(configuration.listeners.map { "\($0.name)=\($0.kind == .udp || $0.kind == .tcp ? "\($0.host):\($0.port)" : $0.path)" }.joined(separator: " "))",
                "http": "\(configuration.http.map { "\($0.host):\($0.port)" } ?? "off")",
            ])
        try await server.run()
        logger.info("Vigil stopped; every accepted line is committed.", metadata: ["received": "\(server.sink.acceptedCount)"])
    }

    func applyOverrides(_ configuration: inout VigilConfiguration) throws {
        func replace(_ kind: VigilConfiguration.Listener.Kind, _ make: (inout VigilConfiguration.Listener) throws -> Void) rethrows {
            var listener = VigilConfiguration.Listener(name: kind.rawValue, kind: kind)
            try make(&listener)
            configuration.listeners.removeAll { $0.kind == kind }
            configuration.listeners.append(listener)
        }
        func hostPort(_ text: String, _ flag: String) throws -> (String, Int) {
            guard let parsed = HostPort.parse(text) else {
                throw ValidationError("--\(flag) expects HOST:PORT such as 127.0.0.1:5514 or [::1]:5514, got '\(text)'")
            }
            return parsed
        }
        if let udp { try replace(.udp) { ($0.host, $0.port) = try hostPort(udp, "udp") } }
        if let tcp { try replace(.tcp) { ($0.host, $0.port) = try hostPort(tcp, "tcp") } }
        if let unix { replace(.unix) { $0.path = absolute(unix) } }
        if let unixDatagram { replace(.unixDatagram) { $0.path = absolute(unixDatagram) } }
        if let http {
            var settings = configuration.http ?? VigilConfiguration.HTTP()
            (settings.host, settings.port) = try hostPort(http, "http")
            configuration.http = settings
        }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
