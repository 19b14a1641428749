import Foundation
import Logging
import Testing
@testable import VigilStore

#if canImport(Glibc)
import Glibc
#endif

#if os(Linux)
@Suite struct PartitionSealerTests {
    static let schedIdle: Int32 = 5
    /// The test runner's own nice value: threads start with it; catch-up ones raise it to 10.
    static let baseNice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)

    /// What a stand-in seal did: the partition, the scheduling of the thread that ran it, and
    /// whether it finished or handed the partition over.
    struct Seal: Equatable {
        var path: String
        var policy: Int32
        var nice: Int32
        var finished = true

        static func idle(_ path: String, finished: Bool = true) -> Seal {
            Seal(path: path, policy: PartitionSealerTests.schedIdle, nice: baseNice, finished: finished)
        }

        static func catchUp(_ path: String) -> Seal {
            Seal(path: path, policy: SCHED_OTHER, nice: max(baseNice, BackgroundPriority.niceIncrement))
        }
    }

    /// A clock the test moves by hand.
    final class ManualClock: @unchecked Sendable {
        private let lock = NSLock()
        private var now: TimeInterval = 1000
        func read() -> TimeInterval { lock.withLock { now } }
        func advance(_ seconds: TimeInterval) { lock.withLock { now += seconds } }
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var seals: [Seal] = []
        private var started = 0
        /// The first seal blocks until this is signalled, as if ingest kept every core busy, then asks
        /// whether to go on (as a real seal does between steps): once, or until told to stop.
        let release = DispatchSemaphore(value: 0)
        let firstStarted = DispatchSemaphore(value: 0)
        let firstWaitsForStop: Bool

        init(firstWaitsForStop: Bool = false) { self.firstWaitsForStop = firstWaitsForStop }

        func seal(_ path: String, yield: () -> Bool) -> Bool {
            let policy = sched_getscheduler(0)
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            let first = lock.withLock {
                started += 1
                return started == 1
            }
            var finished = true
            if first {
                firstStarted.signal()
                release.wait()
                finished = !yield()
                let deadline = Date().addingTimeInterval(10)
                while firstWaitsForStop && finished && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.01)
                    finished = !yield()
                }
            }
            lock.withLock { seals.append(Seal(path: path, policy: policy, nice: nice, finished: finished)) }
            return finished
        }

        var recorded: [Seal] { lock.withLock { seals } }

        func wait(for count: Int) {
            let deadline = Date().addingTimeInterval(10)
            while recorded.count < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
    }

    static func sealer(
        _ recorder: Recorder, catchUpSeconds: TimeInterval = 60, catchUpBacklog: Int = 100, clock: ManualClock = ManualClock()
    ) -> PartitionSealer {
        PartitionSealer(
            logger: Logger(label: "test"), catchUpSeconds: catchUpSeconds, catchUpBacklog: catchUpBacklog, clock: clock.read
        ) { path, _, yield in recorder.seal(path, yield: yield) }
    }

    /// Polls `sealer.backlog` (a seal's end is recorded just after the stand-in returns).
    static func backlog(of sealer: PartitionSealer, becomes expected: Int) -> Int {
        let deadline = Date().addingTimeInterval(10)
        while sealer.backlog != expected && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return sealer.backlog
    }

    @Test func pastTheBacklogLimitTheOldestAreSealedAtCatchUpPriorityWhileTheIdleThreadIsStarved() throws {
        // Given a sealer whose idle-priority thread is stuck in its first seal (starved by ingest)
        let recorder = Recorder()
        let sealer = Self.sealer(recorder, catchUpBacklog: 3)
        sealer.enqueue("p0")
        recorder.firstStarted.wait()
        // When more partitions close than the limit lets wait
        let waiting = (1...5).map { "p\($0)" }
        for path in waiting { sealer.enqueue(path) }
        // Then a catch-up thread seals the oldest ones until no more than the limit wait
        recorder.wait(for: 2)
        #expect(Self.backlog(of: sealer, becomes: 4) == 4)
        #expect(recorder.recorded == [.catchUp("p1"), .catchUp("p2")])
        // And once the idle thread gets the cores back, it seals the rest, each once, oldest first
        recorder.release.signal()
        sealer.waitUntilIdle()
        #expect(recorder.recorded == [.catchUp("p1"), .catchUp("p2"), .idle("p0"), .idle("p3"), .idle("p4"), .idle("p5")])
        #expect(sealer.backlog == 0)
        sealer.stop()
    }

    @Test func aPartitionThatWaitedTooLongIsSealedAtCatchUpPriority() throws {
        // Given a starved idle thread and two more partitions waiting, within the backlog limit
        let recorder = Recorder()
        let clock = ManualClock()
        let sealer = Self.sealer(recorder, catchUpSeconds: 60, clock: clock)
        sealer.enqueue("p0")
        recorder.firstStarted.wait()
        sealer.enqueue("p1")
        sealer.enqueue("p2")
        // Then they wait for idle cores at first...
        Thread.sleep(forTimeInterval: 0.3)
        #expect(recorder.recorded.isEmpty)
        #expect(sealer.backlog == 3)
        // ...and are sealed at catch-up priority once they have waited `catchUpSeconds`
        clock.advance(61)
        recorder.wait(for: 2)
        #expect(recorder.recorded == [.catchUp("p1"), .catchUp("p2")])
        // And the idle thread, back between two steps of a partition now overdue, hands it over
        recorder.release.signal()
        sealer.waitUntilIdle()
        #expect(recorder.recorded == [.catchUp("p1"), .catchUp("p2"), .idle("p0", finished: false), .catchUp("p0")])
        #expect(sealer.backlog == 0)
        sealer.stop()
    }

    @Test func aSealOnTheWayIsStoppedBetweenStepsAtShutdown() throws {
        let recorder = Recorder(firstWaitsForStop: true)
        let sealer = Self.sealer(recorder)
        sealer.enqueue("p0")
        recorder.firstStarted.wait()
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            sealer.stop()
            stopped.signal()
        }
        recorder.release.signal()
        #expect(stopped.wait(timeout: .now() + 10) == .success)
        #expect(recorder.recorded == [.idle("p0", finished: false)])
    }

    @Test func aSealStoppedBetweenStepsIsFinishedBySealingAgain() throws {
        // A real partition file: the first seal stops after three steps, the second finishes it.
        let directory = NSTemporaryDirectory() + "vigil-seal-steps-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/p000001.sqlite"
        let connection = try SQLiteConnection(path: path)
        try connection.execute(Schema.pragmas)
        try connection.execute(Schema.v1Partition)
        try connection.execute(
            "INSERT INTO events (seq, id, time, received, source, action, actor, message) VALUES (1, 'a', 1, 1, 'tcp', 'login', 'john', 'john logged in')")
        connection.close()

        var asked = 0
        #expect(try PartitionSealer.seal(path, yieldIf: { asked += 1; return asked > 3 }) == false)
        func objects() throws -> (indexes: Set<String>, state: String?) {
            let reader = try SQLiteConnection(path: path)
            defer { reader.close() }
            let names = try reader.scalarText("SELECT group_concat(name) FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%'")
            let state = try reader.scalarText("SELECT value FROM partition_meta WHERE key = 'state'")
            return (Set((names ?? "").split(separator: ",").map(String.init)), state)
        }
        #expect(try objects().indexes == ["events_time", "events_actor", "events_entity", "events_action"])
        #expect(try objects().state == nil)

        #expect(try PartitionSealer.seal(path) == true)
        let sealed = try objects()
        #expect(sealed.indexes.count == 8)
        #expect(sealed.state == "sealed")
    }
}
#endif
