import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals
import VigilCore
import VigilHTTP
import VigilIngest
import VigilParsers
import VigilPipeline
import VigilStore

/// A configured daemon, ready to run: its services in start order, and the ports it bound.
public struct VigilServer: Sendable {
    public let ports: BoundPorts
    public let configuration: VigilConfiguration
    /// Lines accepted into the pipeline since start (what "received" means everywhere).
    public let sink: PipelineSink
    private let group: ServiceGroup

    init(services: [any Service], ports: BoundPorts, configuration: VigilConfiguration, sink: PipelineSink,
         shutdownSignals: [UnixSignal], logger: Logger) {
        self.ports = ports
        self.configuration = configuration
        self.sink = sink
        self.group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger))
    }

    /// Runs until SIGTERM/SIGINT or `shutdown()`, then stops HTTP and the listeners, drains the
    /// queue and commits every accepted event before returning.
    public func run() async throws {
        try await group.run()
    }

    /// Starts the graceful shutdown (what SIGTERM does).
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }
}

/// The addresses listeners actually bound (port 0 in tests becomes a real port).
public final class BoundPorts: Sendable {
    private let ports = Mutex<[String: Int]>([:])

    public init() {}

    public func set(_ name: String, _ port: Int) { ports.withLock { $0[name] = port } }

    /// The bound port of a listener (or `http`), once it is listening.
    public subscript(name: String) -> Int? { ports.withLock { $0[name] } }
}

/// Wires configuration into running parts: store, writer, pipeline, listeners, HTTP.
public enum ServerBuilder {
    /// Builds everything that can fail on configuration alone (parser options) without opening sockets.
    public static func validate(_ configuration: VigilConfiguration, file: String) throws(ConfigurationFileError) {
        do {
            _ = try makeProcessor(configuration)
        } catch {
            let location = ConfigurationLoader.locate(error.path, inFile: file)
            throw ConfigurationFileError(
                file: file, line: location?.line, column: location?.column, field: error.path, reason: error.reason)
        }
        do {
            _ = try makeDropRules(configuration)
        } catch {
            let path = "drop" + error.path
            let location = ConfigurationLoader.locate(path, inFile: file)
            throw ConfigurationFileError(file: file, line: location?.line, column: location?.column, field: path, reason: "\(error)")
        }
        do {
            _ = try makeRedactor(configuration)
        } catch {
            let path = "redact." + error.path
            let location = ConfigurationLoader.locate(path, inFile: file)
            throw ConfigurationFileError(file: file, line: location?.line, column: location?.column, field: path, reason: "\(error)")
        }
    }

    public static func makeDropRules(_ configuration: VigilConfiguration) throws(DropRuleError) -> DropRules {
        try DropRules(configuration.drop.map { DropRules.Rule(name: $0.name, filter: $0.filter) })
    }

    public static func makeRedactor(_ configuration: VigilConfiguration) throws(RedactionError) -> Redactor {
        let r = configuration.redaction
        return try Redactor(
            rules: r.rules.map {
                RedactionRule(name: $0.name, pattern: $0.pattern, replacement: $0.replacement ?? r.replacement, fields: $0.fields, contains: $0.contains)
            },
            disabledBuiltIns: r.disable, replacement: r.replacement)
    }

    /// The pipeline entry every listener feeds: processor, drop rules and redaction.
    public static func makeSink(_ configuration: VigilConfiguration, queue: EventQueue) throws -> PipelineSink {
        PipelineSink(
            processor: try makeProcessor(configuration), queue: queue, redactor: try makeRedactor(configuration),
            dropRules: try makeDropRules(configuration))
    }

    public static func makeProcessor(_ configuration: VigilConfiguration) throws(ConfigurationError) -> LineProcessor {
        var parsers: [String: any SourceParser] = [:]
        let names = Set(configuration.routes.map(\.parser) + ["json", WrapperParser.name])
        for name in names {
            let options = ParserConfiguration(options: configuration.parsers[name] ?? [:])
            parsers[name] = try ParserRegistry.make(name: name, configuration: options)
        }
        var configured = configuration.routes
        // `vigil run` events are canonical JSON under app `vigil-run`, on whatever listener they came.
        if !configured.contains(where: { $0.app == WrapperParser.appName }) {
            var wrapper = VigilConfiguration.Route()
            wrapper.app = WrapperParser.appName
            wrapper.parser = WrapperParser.name
            wrapper.requireParser = true
            wrapper.source = WrapperParser.appName
            configured.insert(wrapper, at: 0)
        }
        let routes = configured.map { route in
            LineProcessor.Route(
                listener: route.listener, parser: route.parser, requireParser: route.requireParser, kind: route.kind,
                source: route.source, timeZone: TimeZone(identifier: route.timeZone) ?? .gmt, keepRaw: route.keepRaw
            ).matching(
                app: route.app, host: route.host,
                filter: route.filter.flatMap { try? Filter.parse($0) }?.predicate(now: .now()))
        }
        return LineProcessor(routes: routes, parsers: parsers)
    }

    /// Opens the store and prepares every service. Sockets are bound when the server runs.
    public static func makeServer(
        configuration: VigilConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry? = nil,
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint]
    ) throws -> VigilServer {
        let storeDirectory = configuration.dataDirectory + "/store"
        let store = try StoreWriter(
            directory: storeDirectory,
            options: StoreOptions(
                partitionEvents: configuration.store.partitionEvents,
                partitionSeconds: configuration.store.partitionSeconds),
            logger: logger, now: .now())
        let queue = EventQueue(capacity: configuration.store.queueCapacity)
        let live = LiveStream()
        let writer = EventWriter(
            store: store, queue: queue, live: live, logger: logger, batchSize: configuration.store.batchSize,
            linger: configuration.store.flushInterval)
        let sink = try makeSink(configuration, queue: queue)
        let ports = BoundPorts()

        var services: [any Service] = [WriterService(writer: writer)]
        // Alerts stop just before the writer, so alerts raised at shutdown are still stored.
        if let alerts = try AlertService.make(configuration, live: live, sink: sink, logger: logger) { services.append(alerts) }
        let archiver = try makeArchiver(configuration, sink: sink, logger: logger)
        if let archiver { services.append(ArchiverService(archiver: archiver, interval: configuration.archive.interval)) }
        for listener in configuration.listeners {
            services.append(try ListenerService.make(listener, sink: sink, ports: ports, logger: logger))
        }
        if !configuration.jobs.isEmpty {
            services.append(try JobMonitorService(
                jobs: configuration.jobs, live: live, reader: StoreReader(directory: storeDirectory), sink: sink, logger: logger))
        }
        if let http = configuration.http {
            let deps = HTTPDependencies(
                reader: StoreReader(directory: storeDirectory), live: live, sink: sink, metrics: metrics,
                maximumBodySize: http.maximumBodySize,
                tokens: Dictionary(http.tokens.map { ($0.secret, $0.name) }, uniquingKeysWith: { first, _ in first }),
                logger: logger)
            var routes = deps
            routes.rotateArchive = archiver.map(ArchiverService<ContinuousClock>.rotateHandler)
            routes.access = try makeAccess(configuration, logger: logger)
            routes.archiveDirectory = configuration.archive.path(dataDirectory: configuration.dataDirectory)
            let app = Application(
                router: HTTPAPI.makeRouter(routes),
                configuration: .init(address: .hostname(http.host, port: http.port), serverName: "vigil"),
                onServerRunning: { channel in
                    ports.set("http", channel.localAddress?.port ?? http.port)
                },
                logger: logger)
            services.append(app)
        }
        // Shut down first: ends tail streams so HTTP can close its connections.
        services.append(LiveStreamService(live: live))
        return VigilServer(
            services: services, ports: ports, configuration: configuration, sink: sink, shutdownSignals: shutdownSignals,
            logger: logger)
    }
}

/// Users and tokens for the API and UI: a fresh local token for CLI commands on this host, and an
/// `admin` with a generated password when nobody can log in yet.
func makeAccess(_ configuration: VigilConfiguration, logger: Logger) throws(AccessError) -> AccessStore {
    let access = try AccessStore(directory: AccessStore.directory(dataDirectory: configuration.dataDirectory))
    try access.issueLocalToken()
    if let path = try access.bootstrapAdminIfEmpty() {
        logger.notice(
            "Created the web UI user 'admin'; its password is in the file named here (change it with vigil user passwd admin).",
            metadata: ["password_file": "\(path)"])
    }
    return access
}

/// Runs the writer; on shutdown closes the queue and returns once everything queued is committed.
struct WriterService: Service {
    let writer: EventWriter

    func run() async throws {
        await withGracefulShutdownHandler {
            await writer.run()
        } onGracefulShutdown: {
            writer.shutdown()
        }
    }
}

/// Finishes every live subscription at shutdown.
struct LiveStreamService: Service {
    let live: LiveStream

    func run() async throws {
        try? await gracefulShutdown()
        live.finish()
    }
}
