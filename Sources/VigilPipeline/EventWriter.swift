import Dispatch
import Foundation
import Logging
import Metrics
import VigilCore
import VigilStore

/// The single writer: takes batches from the queue on its own thread, gives each event its id
/// and chain link, commits the batch to the store, then publishes it to the live stream.
///
/// It runs on a dedicated thread because SQLite calls block; Swift's cooperative threads stay free
/// for the listeners.
public final class EventWriter: @unchecked Sendable {
    // `store` and `chain` are touched only by the writer thread once `run` starts.
    private let store: StoreWriter
    private var chain: HashChain
    public let queue: EventQueue
    public let live: LiveStream
    private let logger: Logger
    private let batchSize: Int
    private let linger: TimeInterval
    private let clock: @Sendable () -> Timestamp

    private let commitTimer = Timer(label: "vigil_commit_seconds")
    private let queueDepth = Gauge(label: "vigil_queue_depth")
    private let storeErrors = Counter(label: "vigil_store_errors_total")
    private let lost = Counter(label: "vigil_events_lost_total")

    public init(
        store: StoreWriter, queue: EventQueue, live: LiveStream, logger: Logger, batchSize: Int = 4_000,
        linger: TimeInterval = 0.05, clock: @escaping @Sendable () -> Timestamp = Timestamp.now
    ) {
        self.store = store
        self.chain = HashChain(head: store.head?.hash)
        self.queue = queue
        self.live = live
        self.logger = logger
        self.batchSize = batchSize
        self.linger = linger
        self.clock = clock
    }

    /// Writes until the queue is closed and drained. Returns when every accepted event is committed
    /// (or reported lost after the store kept failing through shutdown).
    public func run() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.start(named: "vigil-writer") { [self] in
                self.loop()
                done.resume()
            }
        }
    }

    /// Stops taking new work once the queue is empty.
    public func shutdown() { queue.close() }

    private func loop() {
        var closing = false
        while var batch = queue.take(max: batchSize, linger: linger) {
            queueDepth.record(queue.depth)
            // Linked in place: each event's fields are held by this batch alone, so setting its hashes
            // copies nothing.
            for i in batch.indices { chain.link(&batch[i].record.event, canonical: batch[i].record.canonical.bytes) }
            var committed = true
            var attempt = 0
            while true {
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    try store.append(count: batch.count, now: clock()) { batch[$0].record }
                    commitTimer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
                    break
                } catch {
                    attempt += 1
                    storeErrors.increment()
                    logger.error(
                        "Storing a batch failed; retrying.",
                        metadata: ["error": "\(error)", "events": "\(batch.count)", "attempt": "\(attempt)"])
                    closing = closing || queue.isClosed
                    if closing && attempt >= 5 {
                        lost.increment(by: batch.count)
                        for prepared in batch { prepared.ack?.resolve(.lost) }
                        logger.critical("Giving up on a batch at shutdown.", metadata: ["events": "\(batch.count)"])
                        // The chain head stays at the last committed event.
                        chain = HashChain(head: store.head?.hash)
                        committed = false
                        break
                    }
                    Thread.sleep(forTimeInterval: min(5, 0.1 * pow(2, Double(min(attempt, 6)))))
                }
            }
            guard committed else { continue }
            for i in batch.indices { batch[i].ack?.resolve(.committed) }
            // Publishing, counting and freeing the batch (a sixth of this thread's time) run on a queue of
            // their own, so this thread goes on to the next commit; at most two batches wait there.
            afterCommitSlots.wait()
            // Handed over in a box the job empties, so the batch's last reference (and freeing its
            // events) is the job's, whichever thread lets go of the box last.
            let handOver = BatchHandOver(batch)
            batch = []
            afterCommit.async { [self] in
                let done = handOver.take()
                count(done)
                if live.subscriberCount > 0 { live.publish(done.map(\.record.event)) }
                releaseFreedMemory()
                afterCommitSlots.signal()
            }
        }
        afterCommit.sync {}
        queueDepth.record(0)
        store.close()
    }

    /// Runs publishing, counting and freeing of committed batches, in commit order.
    private let afterCommit = DispatchQueue(label: "vigil-after-commit")
    private let afterCommitSlots = DispatchSemaphore(value: 2)
    /// Touched only on `afterCommit`.
    private var lastTrim = DispatchTime.now().uptimeNanoseconds

    /// Hands memory freed by past batches back to the system when glibc's malloc serves the process
    /// (the test binaries; the daemon links jemalloc, which returns freed pages by itself and leaves
    /// glibc's arenas empty, so this costs it next to nothing): once a second while the queue is
    /// empty, every ten seconds under constant load. Batches are allocated on the producers' malloc
    /// arenas and freed here, which leaves glibc holding tens of megabytes per arena after a burst
    /// unless it is asked to trim. Under load each trim costs page faults when the memory is taken
    /// again, hence the longer interval then.
    private func releaseFreedMemory() {
        #if canImport(Glibc)
        let now = DispatchTime.now().uptimeNanoseconds
        let interval: UInt64 = queue.depth == 0 ? 1_000_000_000 : 10_000_000_000
        guard now - lastTrim >= interval else { return }
        lastTrim = now
        _ = Self.mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    /// glibc's `malloc_trim`, which Swift's Glibc module does not export (it lives in `malloc.h`).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    /// Counts stored and unparsed events per source. Runs of one source (the usual batch) cost one
    /// string comparison per event, not a dictionary look-up.
    private func count(_ batch: [PreparedEvent]) {
        var stored: [String: Int] = [:]
        var unparsed: [String: Int] = [:]
        var index = batch.startIndex
        while index < batch.endIndex {
            let source = batch[index].record.event.source
            var run = 0
            var unparsedInRun = 0
            while index < batch.endIndex {
                let event = batch[index].record.event
                guard event.source == source else { break }
                run += 1
                if event.action == AuditEvent.unparsedAction { unparsedInRun += 1 }
                index += 1
            }
            stored[source, default: 0] += run
            if unparsedInRun > 0 { unparsed[source, default: 0] += unparsedInRun }
        }
        for (source, n) in stored {
            Counter(label: "vigil_events_stored_total", dimensions: [("source", source)]).increment(by: n)
        }
        for (source, n) in unparsed {
            Counter(label: "vigil_events_unparsed_total", dimensions: [("source", source)]).increment(by: n)
        }
    }
}

/// Moves a committed batch to the after-commit job without the writer keeping a reference to it.
private final class BatchHandOver: @unchecked Sendable {
    // Written by the writer before the job is queued, then only by the job.
    private var batch: [PreparedEvent]

    init(_ batch: [PreparedEvent]) { self.batch = batch }

    func take() -> [PreparedEvent] {
        defer { batch = [] }
        return batch
    }
}
