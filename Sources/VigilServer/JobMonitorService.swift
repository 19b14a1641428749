import Logging
import ServiceLifecycle
import Synchronization
import VigilCore
import VigilPipeline
import VigilStore

/// Runs the ``JobMonitor`` for the jobs declared in configuration: it learns from committed
/// `job_start`/`job_end` events, checks every second, and submits `job_missed`/`job_overrun`
/// events through the pipeline like any other event.
final class JobMonitorService: Service, Sendable {
    let monitor: Mutex<JobMonitor>
    let live: LiveStream
    let reader: StoreReader
    let sink: PipelineSink
    let logger: Logger
    let clock: @Sendable () -> Timestamp

    /// The events of declared jobs that the monitor restores its state from after a restart.
    static let history = "entity_type:job action:(job_start or job_end or job_missed or job_overrun)"
    static let historyLimit = 20_000

    init(
        jobs: [VigilConfiguration.Job], live: LiveStream, reader: StoreReader, sink: PipelineSink, logger: Logger,
        clock: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) throws {
        var declared: [JobMonitor.Job] = []
        for job in jobs {
            let schedule = try job.schedule.map { text throws(CronScheduleError) in try CronSchedule(parsing: text) }
            declared.append(JobMonitor.Job(
                name: job.name, schedule: schedule, timeZone: CronTimeZone(identifier: job.timeZone) ?? .utc,
                grace: job.grace, maxInterval: job.maxInterval, maxDuration: job.maxDuration))
        }
        monitor = Mutex(JobMonitor(jobs: declared, start: clock()))
        self.live = live
        self.reader = reader
        self.sink = sink
        self.logger = logger
        self.clock = clock
    }

    func run() async throws {
        restore()
        let stream = live.subscribe { [self] event in monitor.withLock { $0.isRelevant(event) } }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { [self] in
                    for await event in stream { monitor.withLock { $0.observe(event) } }
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        await checkOnce()
                    }
                }
            }
        }
    }

    /// Submits what is due now.
    func checkOnce() async {
        let due = monitor.withLock { $0.check(now: clock()) }
        guard !due.isEmpty else { return }
        for event in due {
            logger.warning(
                "A declared job did not run as expected.",
                metadata: ["job": "\(event.entityID ?? "")", "action": "\(event.action)"])
        }
        await sink.submit(events: due)
    }

    /// Replays the stored events of declared jobs, oldest first, so a restart forgets no open run,
    /// no start and no verdict already given.
    private func restore() {
        let stored: [AuditEvent]
        do {
            stored = try reader.query(try Filter.parse(Self.history), limit: Self.historyLimit, now: clock()).events.map(\.event)
        } catch {
            logger.error("Cannot read job history; monitoring starts afresh.", metadata: ["error": "\(error)"])
            return
        }
        monitor.withLock { monitor in
            var resumeFrom: [String: Timestamp] = [:]
            for event in stored where event.entityType == "job" {
                guard let name = event.entityID, monitor.jobs.contains(where: { $0.name == name }) else { continue }
                var mark: Timestamp?
                switch event.action {
                case "job_start": mark = event.time
                case "job_missed": mark = event.attrs["judged_until"]?.stringValue.flatMap { Timestamp.parse($0) }
                default: break
                }
                if let mark, mark > resumeFrom[name] ?? Timestamp(microseconds: .min) { resumeFrom[name] = mark }
            }
            for (name, time) in resumeFrom { monitor.resume(job: name, judgedUntil: time) }
            for event in stored.reversed() {
                if event.action == "job_overrun", let name = event.entityID, let run = event.attrs["run_id"]?.stringValue {
                    monitor.markReported(job: name, runID: run)
                } else {
                    monitor.observe(event)
                }
            }
        }
    }
}
