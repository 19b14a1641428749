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
