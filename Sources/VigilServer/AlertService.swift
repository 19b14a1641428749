import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import VigilAlerts
import VigilCore
import VigilPipeline

/// Runs the alert rules inside the daemon: reads committed events from the live stream (never from the
/// writer's thread, so rules cannot slow commits), stores each alert as an event through the sink, and
/// hands it to the dispatcher, whose notifiers run on their own queues.
///
/// Window state is restored from `DATA_DIR/alerts/state.json` at start and saved every
/// `state_interval` and at shutdown.
final class AlertService: Service, Sendable {
    private let engine: Mutex<RuleEngine>
    private let live: LiveStream
    private let sink: PipelineSink
    private let dispatcher: AlertDispatcher
    private let stateFile: AlertStateFile
    private let stateInterval: Double
    private let drainTimeout: Double
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    private let raised = Counter(label: "vigil_alerts_total")
    private let stopped = Atomic<Bool>(false)

    init(
        rules: [AlertRule], notifiers: [(notifier: any Notifier, policy: AlertDispatcher.Policy)], live: LiveStream,
        sink: PipelineSink, dataDirectory: String, stateInterval: Double, drainTimeout: Double, maximumGroups: Int,
        logger: Logger, clock: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        var engine = RuleEngine(rules: rules, start: clock(), maximumGroups: maximumGroups)
        stateFile = AlertStateFile(dataDirectory: dataDirectory)
        if let snapshot = stateFile.load() {
            let groups = engine.restore(snapshot)
            logger.info("Alert rule state restored.", metadata: ["groups": "\(groups)", "file": "\(stateFile.path)"])
        }
        self.engine = Mutex(engine)
        self.live = live
        self.sink = sink
        self.dispatcher = AlertDispatcher(notifiers: notifiers, logger: logger)
        self.stateInterval = stateInterval
        self.drainTimeout = drainTimeout
        self.clock = clock
        self.logger = logger
    }

    /// The service for a configuration, or nil when it has no enabled rules.
    static func make(_ configuration: VigilConfiguration, live: LiveStream, sink: PipelineSink, logger: Logger) throws
        -> AlertService?
    {
        let alerts = configuration.alerts
        guard alerts.rules.contains(where: \.isEnabled) else { return nil }
        let notifiers = try alerts.notifiers.map { (notifier: try $0.make(), policy: $0.policy) }
        return AlertService(
            rules: alerts.rules, notifiers: notifiers, live: live, sink: sink, dataDirectory: configuration.dataDirectory,
            stateInterval: alerts.stateInterval, drainTimeout: alerts.drainTimeout, maximumGroups: alerts.maximumGroups,
            logger: logger)
    }

    private enum Finished { case dispatcher, ticker, deadline }

    func run() async throws {
        let events = live.subscribe(bufferSize: 100_000) { $0.source != Alert.source }
        await withTaskGroup(of: Finished.self) { group in
            group.addTask {
                await self.dispatcher.run()
                return .dispatcher
            }
            group.addTask {
                await self.tick()
                return .ticker
            }
            for await event in events {
                let alerts = engine.withLock { $0.process(event) }
                if !alerts.isEmpty { await emit(alerts) }
            }
            // The live stream ends first at shutdown; stop only when this service is told to.
            try? await gracefulShutdown()
            stopped.store(true, ordering: .releasing)
            saveState()
            dispatcher.finish()
            let timeout = drainTimeout
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                return .deadline
            }
            while let finished = await group.next() {
                if finished != .ticker {
                    group.cancelAll()
                    break
                }
            }
        }
    }

    private func tick() async {
        var lastSave = clock()
        while !stopped.load(ordering: .acquiring) && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(min(1000, Int64(stateInterval * 1000))))
            if stopped.load(ordering: .acquiring) { break }
            let now = clock()
            let alerts = engine.withLock { $0.advance(to: now) }
            if !alerts.isEmpty { await emit(alerts) }
            if Double(now.microseconds - lastSave.microseconds) / 1_000_000 >= stateInterval {
                saveState()
                lastSave = now
            }
        }
    }

    private func emit(_ alerts: [Alert]) async {
        for alert in alerts {
            raised.increment()
            logger.notice(
                "Alert raised.",
                metadata: ["rule": "\(alert.rule)", "group": "\(alert.group)", "count": "\(alert.count)",
                           "severity": "\(alert.severity)"])
        }
        await sink.submit(events: alerts.map(\.event))
        for alert in alerts { dispatcher.dispatch(alert) }
    }

    private func saveState() {
        let snapshot = engine.withLock { $0.snapshot(at: clock()) }
        do {
            try stateFile.save(snapshot)
        } catch {
            logger.error("Saving the alert rule state failed.", metadata: ["file": "\(stateFile.path)", "error": "\(error)"])
        }
    }
}
