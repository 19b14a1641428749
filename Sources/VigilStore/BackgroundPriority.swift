import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Scheduling for the daemon's sealing thread: it runs at a lower priority than ingest, so under a
/// burst the listeners, parsers and the writer get the cores first and the indexes are built when
/// the burst ends. No event waits on it: the store holds every event from its commit on.
///
/// Only for threads that never start Swift tasks or dispatch work: Linux threads inherit the nice
/// value of the thread that creates them, and libdispatch creates pool workers from the thread
/// that enqueues.
public enum BackgroundPriority {
    /// The `nice` increment of background threads (Linux schedules threads individually).
    public static let niceIncrement: Int32 = 10

    /// Lowers the calling thread's priority; a no-op where threads cannot be reniced.
    public static func lowerCurrentThread() {
        #if os(Linux)
        // On Linux the nice value is per thread, and `who == 0` names the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceIncrement)
        #endif
    }
}

/// A thread at background priority that runs synchronous jobs for callers that wait for them: the
/// archiver hands it its reading, compressing and closing, so under a burst that work yields the
/// cores to ingest, while the archiver's own thread (whose jobs resume tasks, and so may make
/// libdispatch start workers from it) keeps the normal priority.
///
/// Jobs must not start Swift tasks or enqueue dispatch work (see `BackgroundPriority`); they run
/// one at a time, in the order submitted.
public final class BackgroundThread: @unchecked Sendable {
    private let name: String
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var thread: Thread?
    private var queue: [() -> Void] = []
    private var submitted = 0
    private var completed = 0

    public init(name: String) {
        self.name = name
    }

    /// Runs `body` on the background thread and returns its result; the caller blocks until then.
    public func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { body in
            let slot = Slot<T>()
            condition.lock()
            if thread == nil {
                let thread = Thread { [self] in
                    BackgroundPriority.lowerCurrentThread()
                    loop()
                }
                thread.name = name
                self.thread = thread
                thread.start()
            }
            queue.append { slot.value = body() }
            submitted += 1
            let ticket = submitted
            condition.broadcast()
            while completed < ticket { condition.wait() }
            condition.unlock()
            return slot.value!
        }
    }

    private final class Slot<T> {
        var value: T?
    }

    private func loop() {
        condition.lock()
        while true {
            while queue.isEmpty { condition.wait() }
            let job = queue.removeFirst()
            condition.unlock()
            job()
            condition.lock()
            completed += 1
            condition.broadcast()
        }
    }
}
