import Foundation
import VigilStore

/// A serial executor that runs its jobs on one thread of its own, for actors whose methods block
/// for long stretches (SQLite reads, gzip, fsync). On a 2-core machine Swift has two cooperative
/// threads; an archiver catching up on millions of events on one of them, while an export holds the
/// other, left `/healthz` unanswered for minutes.
public final class BlockingThreadExecutor: SerialExecutor, @unchecked Sendable {
    /// The archiver's thread, shared by every ``Archiver`` in the process.
    public static let archiver = BlockingThreadExecutor(name: "vigil-archiver")

    // `jobs` is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(name: String) {
        // Not reniced like the sealer: jobs here resume tasks on the global executor, and a worker
        // thread that libdispatch creates from this thread would inherit its nice value.
        Thread.start(named: name) { [self] in self.loop() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
