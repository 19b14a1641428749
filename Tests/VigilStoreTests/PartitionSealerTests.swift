import Foundation
import Logging
import Testing
@testable import VigilStore

#if canImport(Glibc)
import Glibc
#endif

#if os(Linux)
@Suite struct PartitionSealerTests {
    /// What a stand-in seal saw: the partition and the scheduling of the thread that sealed it.
    struct Seal: Equatable {
        var path: String
        var policy: Int32
        var nice: Int32
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var seals: [Seal] = []
        /// The first seal blocks until this is signalled, as if ingest kept every core busy.
        let release = DispatchSemaphore(value: 0)
        let firstStarted = DispatchSemaphore(value: 0)

        func seal(_ path: String) {
            let seal = Seal(path: path, policy: sched_getscheduler(0), nice: getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
            let first = lock.withLock {
                seals.append(seal)
                return seals.count == 1
            }
            if first {
                firstStarted.signal()
                release.wait()
            }
        }

        var recorded: [Seal] { lock.withLock { seals } }
    }

    @Test func aBacklogPastTheLimitIsSealedOldestFirstAtCatchUpPriorityWhileTheIdleThreadWaits() throws {
        // Given a sealer whose idle-priority thread is stuck in its first seal (starved by ingest)
        let recorder = Recorder()
        let sealer = PartitionSealer(logger: Logger(label: "test")) { path, _ in recorder.seal(path) }
        sealer.enqueue("p0")
        recorder.firstStarted.wait()
        // When more partitions close than the limit lets wait
        let waiting = (1...(PartitionSealer.catchUpBacklog + 2)).map { "p\($0)" }
        for path in waiting { sealer.enqueue(path) }
        // Then a catch-up thread seals the oldest ones until no more than the limit wait
        let deadline = Date().addingTimeInterval(10)
        while recorder.recorded.count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.1)
        let schedIdle: Int32 = 5
        #expect(recorder.recorded == [
            Seal(path: "p0", policy: schedIdle, nice: 0),
            Seal(path: "p1", policy: SCHED_OTHER, nice: BackgroundPriority.niceIncrement),
            Seal(path: "p2", policy: SCHED_OTHER, nice: BackgroundPriority.niceIncrement),
        ])
        #expect(sealer.backlog == PartitionSealer.catchUpBacklog + 1)
        // And once the idle thread gets the cores back, it seals the rest, each once, oldest first
        recorder.release.signal()
        sealer.waitUntilIdle()
        #expect(recorder.recorded.map(\.path) == ["p0"] + waiting)
        #expect(recorder.recorded.dropFirst(3).allSatisfy { $0.policy == schedIdle })
        #expect(sealer.backlog == 0)
        sealer.stop()
    }
}
#endif
