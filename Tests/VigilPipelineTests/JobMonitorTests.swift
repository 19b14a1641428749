import Testing
import VigilCore
import VigilPipeline

/// The monitor is driven by the times the tests pass: no waiting.
@Suite struct JobMonitorTests {
    static func at(_ text: String) -> Timestamp {
        Timestamp.parse(text) ?? Timestamp(microseconds: 0)
    }

    static func event(_ action: String, job: String, run: String, at time: Timestamp) -> AuditEvent {
        var event = AuditEvent(time: time, received: time, source: "vigil-run", action: action)
        event.entityType = "job"
        event.entityID = job
        event.attrs["run_id"] = .string(run)
        return event
    }

    static func everyTenMinutes(grace: Double = 120) throws -> JobMonitor.Job {
        JobMonitor.Job(name: "export", schedule: try CronSchedule(parsing: "*/10 * * * *"), grace: grace)
    }

    @Test func aScheduledStartThatDoesNotComeIsMissedOnceItsGraceEnds() throws {
        var monitor = JobMonitor(jobs: [try Self.everyTenMinutes()], start: Self.at("2026-12-01T09:55:00Z"))
        monitor.observe(Self.event("job_start", job: "export", run: "r1", at: Self.at("2026-12-01T10:00:03Z")))
        monitor.observe(Self.event("job_end", job: "export", run: "r1", at: Self.at("2026-12-01T10:00:40Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T10:05:00Z")).isEmpty)
        // 10:10 came and went; its window closes at 10:12.
        #expect(monitor.check(now: Self.at("2026-12-01T10:12:00Z")).isEmpty)
        let missed = monitor.check(now: Self.at("2026-12-01T10:12:01Z"))
        #expect(missed.count == 1)
        #expect(missed.first?.action == "job_missed")
        #expect(missed.first?.entityID == "export")
        #expect(missed.first?.attrs["expected"] == .string("2026-12-01T10:10:00.000000Z"))
        #expect(missed.first?.attrs["missed"] == .int(1))
        #expect(missed.first?.kind == "cron")
        #expect(missed.first?.outcome == "failure")
        #expect(missed.first?.time == Self.at("2026-12-01T10:12:01Z"))
        // Said once.
        #expect(monitor.check(now: Self.at("2026-12-01T10:15:00Z")).isEmpty)
    }

    @Test func startsWithinTheGraceWindowCountEarlyOrLate() throws {
        var monitor = JobMonitor(jobs: [try Self.everyTenMinutes()], start: Self.at("2026-12-01T09:55:00Z"))
        monitor.observe(Self.event("job_start", job: "export", run: "a", at: Self.at("2026-12-01T09:58:30Z")))
        monitor.observe(Self.event("job_start", job: "export", run: "b", at: Self.at("2026-12-01T10:11:59Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T10:19:00Z")).isEmpty)
        // 10:20 has no start at all, and one 2 min 1 s late does not count.
        monitor.observe(Self.event("job_start", job: "export", run: "c", at: Self.at("2026-12-01T10:22:01Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T10:22:02Z")).map(\.action) == ["job_missed"])
    }

    @Test func manyMissedFiresBecomeOneEventWithTheirCount() throws {
        var monitor = JobMonitor(jobs: [try Self.everyTenMinutes()], start: Self.at("2026-12-01T10:00:00Z"))
        let missed = monitor.check(now: Self.at("2026-12-01T15:00:00Z"))
        #expect(missed.count == 1)
        // 10:10 … 14:50, whose windows closed by 15:00.
        #expect(missed.first?.attrs["missed"] == .int(29))
        #expect(missed.first?.attrs["missed_times"]?.arrayValue?.count == 10)
    }

    @Test func maxIntervalCountsSilenceFromTheLastStartAndRepeatsPerInterval() {
        let job = JobMonitor.Job(name: "backup", grace: 0, maxInterval: 3600)
        var monitor = JobMonitor(jobs: [job], start: Self.at("2026-12-01T00:00:00Z"))
        monitor.observe(Self.event("job_start", job: "backup", run: "r1", at: Self.at("2026-12-01T00:30:00Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T01:30:00Z")).isEmpty)
        let first = monitor.check(now: Self.at("2026-12-01T01:30:01Z"))
        #expect(first.map(\.action) == ["job_missed"])
        #expect(first.first?.attrs["last_start"] == .string("2026-12-01T00:30:00.000000Z"))
        #expect(monitor.check(now: Self.at("2026-12-01T02:00:00Z")).isEmpty)
        #expect(monitor.check(now: Self.at("2026-12-01T02:30:02Z")).count == 1)
        // A start ends the silence.
        monitor.observe(Self.event("job_start", job: "backup", run: "r2", at: Self.at("2026-12-01T02:45:00Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T03:40:00Z")).isEmpty)
    }

    @Test func aRunLongerThanMaxDurationOverrunsOnceAndAFinishedOneDoesNot() {
        let job = JobMonitor.Job(name: "reindex", grace: 0, maxDuration: 1800)
        var monitor = JobMonitor(jobs: [job], start: Self.at("2026-12-01T00:00:00Z"))
        monitor.observe(Self.event("job_start", job: "reindex", run: "quick", at: Self.at("2026-12-01T01:00:00Z")))
        monitor.observe(Self.event("job_end", job: "reindex", run: "quick", at: Self.at("2026-12-01T01:10:00Z")))
        monitor.observe(Self.event("job_start", job: "reindex", run: "slow", at: Self.at("2026-12-01T01:05:00Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T01:35:00Z")).isEmpty)
        let overrun = monitor.check(now: Self.at("2026-12-01T01:35:01Z"))
        #expect(overrun.map(\.action) == ["job_overrun"])
        #expect(overrun.first?.attrs["run_id"] == .string("slow"))
        #expect(monitor.check(now: Self.at("2026-12-01T03:00:00Z")).isEmpty)
    }

    @Test func undeclaredJobsAndOtherEventsAreIgnored() throws {
        var monitor = JobMonitor(jobs: [try Self.everyTenMinutes()], start: Self.at("2026-12-01T10:00:00Z"))
        let other = Self.event("job_start", job: "someone-else", run: "x", at: Self.at("2026-12-01T10:10:00Z"))
        #expect(!monitor.isRelevant(other))
        var login = Self.event("login", job: "export", run: "x", at: Self.at("2026-12-01T10:10:00Z"))
        login.entityType = nil
        #expect(!monitor.isRelevant(login))
        monitor.observe(other)
        #expect(monitor.check(now: Self.at("2026-12-01T10:12:01Z")).count == 1)
    }

    @Test func afterARestartFiresWhileAwayAreJudgedOneGraceAfterTheStart() throws {
        // The daemon was down from 10:05 to 11:00; history says the last start was at 10:00.
        var monitor = JobMonitor(jobs: [try Self.everyTenMinutes()], start: Self.at("2026-12-01T11:00:00Z"))
        monitor.resume(job: "export", judgedUntil: Self.at("2026-12-01T10:00:00Z"))
        monitor.observe(Self.event("job_start", job: "export", run: "r1", at: Self.at("2026-12-01T10:00:00Z")))
        #expect(monitor.check(now: Self.at("2026-12-01T11:01:00Z")).isEmpty)
        // A spooled start from 10:30 arrives before the grace after the restart ends.
        monitor.observe(Self.event("job_start", job: "export", run: "r2", at: Self.at("2026-12-01T10:30:00Z")))
        let missed = monitor.check(now: Self.at("2026-12-01T11:02:01Z"))
        #expect(missed.count == 1)
        // 10:10, 10:20, 10:40, 10:50 and 11:00 (whose own window closed at 11:02); 10:30 ran.
        #expect(missed.first?.attrs["missed"] == .int(5))
        #expect(monitor.nextDeadline() == Self.at("2026-12-01T11:12:00.000001Z"))
    }

    @Test func schedulesFollowTheirTimeZone() throws {
        let berlin = try #require(CronTimeZone(identifier: "Europe/Berlin"))
        let job = JobMonitor.Job(name: "nightly", schedule: try CronSchedule(parsing: "0 2 * * *"), timeZone: berlin, grace: 600)
        var monitor = JobMonitor(jobs: [job], start: Self.at("2026-12-01T00:00:00Z"))
        // 02:00 in Berlin in December is 01:00Z.
        #expect(monitor.check(now: Self.at("2026-12-01T01:10:00Z")).isEmpty)
        let missed = monitor.check(now: Self.at("2026-12-01T01:10:01Z"))
        #expect(missed.first?.attrs["expected"] == .string("2026-12-01T01:00:00.000000Z"))
    }
}
