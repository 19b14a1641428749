import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Scheduling for the daemon's background threads (sealing, archiving). No event waits on them: the
/// store holds every event from its commit on, so under a burst the listeners, parsers and the
/// writer get the cores first, and indexes and archives are built when the burst ends.
///
/// Only for threads that never start Swift tasks or dispatch work: Linux threads inherit the
/// scheduling of the thread that creates them, and libdispatch creates pool workers from the thread
/// that enqueues.
public enum BackgroundPriority: Sendable {
    /// Routine background work: runs only on a core that would otherwise be idle (Linux's
    /// `SCHED_IDLE`), and gives it up as soon as ingest wants it back.
    case idle
    /// Background work that has fallen far behind: `nice` +10, a small but certain share of the
    /// cores even while ingest keeps them all busy.
    case catchUp

    /// Linux's `SCHED_IDLE` policy (glibc defines it only under `_GNU_SOURCE`, which Swift's Glibc
    /// module does not import).
    private static let schedIdle: Int32 = 5

    /// The `nice` increment of catch-up threads, and of idle ones where `SCHED_IDLE` is refused.
    public static let niceIncrement: Int32 = 10

    /// Lowers the calling thread's priority; a no-op where threads cannot be rescheduled. A thread
    /// can only lower its own priority, never raise it back (without privileges).
    public func apply() {
        #if os(Linux)
        if self == .idle {
            var parameters = sched_param()
            parameters.sched_priority = 0
            // `pid == 0` names the calling thread: Linux schedules threads individually.
            if sched_setscheduler(0, Self.schedIdle, &parameters) == 0 { return }
        }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceIncrement)
        #endif
    }
}

extension Thread {
    /// Starts a thread whose name the system shows (`top -H`, `/proc/PID/task/*/comm`). Foundation
    /// passes a name to the system only when it is set from the thread itself, and Linux keeps at
    /// most 15 bytes (a longer name is refused, and the thread keeps its creator's).
    public static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        precondition(name.utf8.count <= 15, "thread names are limited to 15 bytes: \(name)")
        let thread = Thread {
            Thread.current.name = name
            body()
        }
        thread.start()
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
    private let priority: BackgroundPriority
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var started = false
    private var queue: [() -> Void] = []
    private var submitted = 0
    private var completed = 0

    public init(name: String, priority: BackgroundPriority = .idle) {
        self.name = name
        self.priority = priority
    }

    /// Runs `body` on the background thread and returns its result; the caller blocks until then.
    public func run<T>(_ body: () -> T) -> T {
        withoutActuallyEscaping(body) { body in
            let slot = Slot<T>()
            condition.lock()
            if !started {
                started = true
                Thread.start(named: name) { [self] in
                    priority.apply()
                    loop()
                }
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
