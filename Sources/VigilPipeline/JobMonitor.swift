import VigilCore

/// Watches the jobs declared in configuration and says when one did not start on time
/// (`job_missed`) or runs too long (`job_overrun`).
///
/// It learns from the `job_start` / `job_end` events `vigil run` sends (`entity_type: job`,
/// `entity_id` = the job's name, `attrs.run_id`) and is driven by the time the caller passes to
/// ``check(now:)``: no clock, no I/O, so tests move time by hand.
///
/// ```
///  schedule "*/10 * * * *", grace 2m
///  fire:      10:00          10:10          10:20
///  window:  [09:58, 10:02] [10:08, 10:12] [10:18, 10:22]
///  starts:     10:00:03          -               10:19
///  result:       ok      job_missed at 10:12      ok
///
///  max_interval 1h: job_missed once the last start (or the monitor's start) is an hour old,
///  then again after each further hour of silence.
///  max_duration 30m: job_overrun once per run still open 30 minutes after its job_start.
/// ```
public struct JobMonitor: Sendable {
    /// A job declared in configuration.
    public struct Job: Sendable, Equatable {
        public var name: String
        public var schedule: CronSchedule?
        public var timeZone: CronTimeZone
        /// Seconds a start may come before or after its scheduled time.
        public var grace: Double
        /// At most this many seconds between two starts.
        public var maxInterval: Double?
        /// At most this many seconds from a start to its end.
        public var maxDuration: Double?

        public init(
            name: String, schedule: CronSchedule? = nil, timeZone: CronTimeZone = .utc, grace: Double = 300,
            maxInterval: Double? = nil, maxDuration: Double? = nil
        ) {
            self.name = name
            self.schedule = schedule
            self.timeZone = timeZone
            self.grace = grace
            self.maxInterval = maxInterval
            self.maxDuration = maxDuration
        }
    }

    private struct Run: Sendable {
        var started: Timestamp
        var pid: JSONValue?
        var reported = false
    }

    private struct State: Sendable {
        /// Recent start times, oldest first (enough to judge the grace windows still open).
        var starts: [Timestamp] = []
        /// Scheduled fires up to here are judged.
        var judgedUntil: Timestamp
        /// The interval check counts silence from here.
        var silentSince: Timestamp
        var runs: [String: Run] = [:]
    }

    public static let source = "vigil-jobs"
    static let recentStarts = 64
    /// More missed fires than this in one check are reported as one event with `attrs.missed`.
    static let maximumMissedListed = 10

    public let jobs: [Job]
    private var states: [String: State]
    private let start: Timestamp

    /// - Parameter start: when monitoring begins. Nothing before it counts as missed, unless history
    ///   restored with ``resume(job:judgedUntil:)`` moves the judged range back; what
    ///   fell due before `start` is judged only one grace period after it, so runs spooled by
    ///   `vigil run` while the daemon was away can arrive first.
    public init(jobs: [Job], start: Timestamp) {
        self.jobs = jobs
        self.start = start
        states = Dictionary(
            jobs.map { ($0.name, State(judgedUntil: start, silentSince: start)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `event` is one the monitor learns from: the start or end of a declared job.
    public func isRelevant(_ event: AuditEvent) -> Bool {
        (event.action == "job_start" || event.action == "job_end") && event.entityType == "job"
            && states[event.entityID ?? ""] != nil
    }

    /// Learns from a job's start or end; other events are ignored.
    public mutating func observe(_ event: AuditEvent) {
        guard isRelevant(event), let name = event.entityID, var state = states[name] else { return }
        let runID = event.attrs["run_id"]?.stringValue ?? event.id.description
        if event.action == "job_start" {
            let index = state.starts.lastIndex { $0 <= event.time }.map { $0 + 1 } ?? 0
            state.starts.insert(event.time, at: index)
            if state.starts.count > Self.recentStarts { state.starts.removeFirst(state.starts.count - Self.recentStarts) }
            if event.time > state.silentSince { state.silentSince = event.time }
            state.runs[runID] = Run(started: event.time, pid: event.attrs["pid"], reported: state.runs[runID]?.reported ?? false)
        } else {
            state.runs.removeValue(forKey: runID)
        }
        states[name] = state
    }

    /// Marks a run as already reported overrun (after a restart, from the stored `job_overrun`).
    public mutating func markReported(job: String, runID: String) {
        states[job]?.runs[runID]?.reported = true
    }

    /// Restores where judging stopped before a restart: the stored `job_missed`'s `attrs.judged_until`,
    /// or the last start. Fires after it (while the daemon was away) are judged too.
    public mutating func resume(job: String, judgedUntil time: Timestamp) {
        guard var state = states[job] else { return }
        state.judgedUntil = time
        state.silentSince = time
        states[job] = state
    }

    /// When something due at `due` may be reported: not before one grace period after monitoring began.
    private func reportable(_ due: Int64, _ job: Job) -> Int64 {
        max(due, start.microseconds + Int64(job.grace * 1_000_000))
    }

    /// The `job_missed` and `job_overrun` events due at `now`; each is returned once.
    public mutating func check(now: Timestamp) -> [AuditEvent] {
        var events: [AuditEvent] = []
        for job in jobs {
            guard var state = states[job.name] else { continue }
            if let schedule = job.schedule { events += missedFires(job, schedule, &state, now: now) }
            if let maxInterval = job.maxInterval {
                let due = state.silentSince.microseconds + Int64(maxInterval * 1_000_000)
                if now.microseconds > reportable(due, job) {
                    events.append(intervalMissed(job, state, now: now))
                    state.silentSince = now
                }
            }
            if let maxDuration = job.maxDuration {
                let limit = Int64(maxDuration * 1_000_000)
                for (runID, run) in state.runs.sorted(by: { $0.value.started < $1.value.started })
                where !run.reported && now.microseconds > reportable(run.started.microseconds + limit, job) {
                    events.append(overrun(job, runID: runID, run: run, now: now))
                    state.runs[runID]?.reported = true
                }
            }
            states[job.name] = state
        }
        return events
    }

    /// The earliest time at which ``check(now:)`` may have something new to say (nil: nothing pending).
    public func nextDeadline() -> Timestamp? {
        var deadlines: [Timestamp] = []
        for job in jobs {
            guard let state = states[job.name] else { continue }
            let grace = Int64(job.grace * 1_000_000)
            if let schedule = job.schedule, let fire = schedule.nextFire(after: state.judgedUntil, in: job.timeZone) {
                deadlines.append(Timestamp(microseconds: reportable(fire.microseconds + grace, job) + 1))
            }
            if let maxInterval = job.maxInterval {
                let due = state.silentSince.microseconds + Int64(maxInterval * 1_000_000)
                deadlines.append(Timestamp(microseconds: reportable(due, job) + 1))
            }
            if let maxDuration = job.maxDuration {
                for run in state.runs.values where !run.reported {
                    let due = run.started.microseconds + Int64(maxDuration * 1_000_000)
                    deadlines.append(Timestamp(microseconds: reportable(due, job) + 1))
                }
            }
        }
        return deadlines.min()
    }

    // MARK: - Events

    private func missedFires(_ job: Job, _ schedule: CronSchedule, _ state: inout State, now: Timestamp) -> [AuditEvent] {
        let grace = Int64(job.grace * 1_000_000)
        var missed: [Timestamp] = []
        var count = 0
        // Judge every fire whose grace window has closed.
        while let fire = schedule.nextFire(after: state.judgedUntil, in: job.timeZone),
            now.microseconds > reportable(fire.microseconds + grace, job)
        {
            let earliest = fire.adding(microseconds: -grace)
            let latest = fire.adding(microseconds: grace)
            if !state.starts.contains(where: { $0 >= earliest && $0 <= latest }) {
                count += 1
                if missed.count < Self.maximumMissedListed { missed.append(fire) }
            }
            state.judgedUntil = fire
        }
        guard let first = missed.first else { return [] }
        var event = base(job, action: "job_missed", now: now)
        event.severity = "high"
        event.attrs["expected"] = .string(first.rfc3339)
        event.attrs["missed"] = .int(Int64(count))
        event.attrs["missed_times"] = .array(missed.map { .string($0.rfc3339) })
        event.attrs["schedule"] = .string(schedule.description)
        event.attrs["grace_seconds"] = .double(job.grace)
        event.attrs["judged_until"] = .string(state.judgedUntil.rfc3339)
        if let last = state.starts.last { event.attrs["last_start"] = .string(last.rfc3339) }
        event.message = count == 1
            ? "\(job.name) did not start at \(first.rfc3339) (schedule \(schedule.description))"
            : "\(job.name) did not start \(count) times since \(first.rfc3339) (schedule \(schedule.description))"
        return [event]
    }

    private func intervalMissed(_ job: Job, _ state: State, now: Timestamp) -> AuditEvent {
        var event = base(job, action: "job_missed", now: now)
        event.severity = "high"
        let interval = job.maxInterval ?? 0
        event.attrs["max_interval_seconds"] = .double(interval)
        event.attrs["judged_until"] = .string(now.rfc3339)
        if let last = state.starts.last {
            event.attrs["last_start"] = .string(last.rfc3339)
            event.message = "\(job.name) has not started since \(last.rfc3339) (expected at least every \(Self.describe(interval)))"
        } else {
            event.message = "\(job.name) has not started since \(state.silentSince.rfc3339) (expected at least every \(Self.describe(interval)))"
        }
        return event
    }

    private func overrun(_ job: Job, runID: String, run: Run, now: Timestamp) -> AuditEvent {
        var event = base(job, action: "job_overrun", now: now)
        event.severity = "medium"
        event.attrs["run_id"] = .string(runID)
        event.attrs["started"] = .string(run.started.rfc3339)
        event.attrs["max_duration_seconds"] = .double(job.maxDuration ?? 0)
        if let pid = run.pid { event.attrs["pid"] = pid }
        event.durationMS = Double(now.microseconds - run.started.microseconds) / 1000
        event.message = "\(job.name) has been running since \(run.started.rfc3339), longer than \(Self.describe(job.maxDuration ?? 0))"
        return event
    }

    private func base(_ job: Job, action: String, now: Timestamp) -> AuditEvent {
        var event = AuditEvent(time: now, received: now, source: Self.source, action: action)
        event.kind = "cron"
        event.app = "vigil"
        event.actor = "system"
        event.actorType = "system"
        event.entityType = "job"
        event.entityID = job.name
        event.entityName = job.name
        event.category = "jobs"
        event.outcome = "failure"
        event.attrs["job"] = .string(job.name)
        return event
    }

    static func describe(_ seconds: Double) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3600), ("m", 60)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
