import Foundation
import VigilCore

/// The bounded queue between ingest and the store writer.
///
/// Producers on streams `await submit` and are suspended while the queue is full (TCP and Unix
/// streams then stop reading: backpressure); datagram producers `trySubmit` and count a drop when
/// it is full. The writer thread blocks in `take`. Capacity is counted in events.
public final class EventQueue: @unchecked Sendable {
    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var batches: [[PreparedEvent]] = []
    private var head = 0
    private var queued = 0
    private var waiting: [(events: [PreparedEvent], resume: CheckedContinuation<Void, Never>)] = []
    private var closed = false
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Events waiting for the writer (including producers suspended on a full queue).
    public var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queued + waiting.reduce(0) { $0 + $1.events.count }
    }

    /// Enqueues, suspending while the queue is full. Never drops: it returns once the events are queued
    /// (or, after `close`, handed over regardless so that nothing accepted is lost).
    public func submit(_ events: [PreparedEvent]) async {
        guard !events.isEmpty else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            enqueueOrPark(events, continuation)
        }
    }

    /// Queues the events and resumes at once when there is room; otherwise parks the producer
    /// until `take` makes room.
    private func enqueueOrPark(_ events: [PreparedEvent], _ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if closed || (waiting.isEmpty && (queued == 0 || queued + events.count <= capacity)) {
            append(events)
            condition.unlock()
            continuation.resume()
        } else {
            waiting.append((events, continuation))
            condition.unlock()
        }
    }

    /// Enqueues if there is room; `false` when full.
    public func trySubmit(_ events: [PreparedEvent]) -> Bool {
        guard !events.isEmpty else { return true }
        condition.lock()
        defer { condition.unlock() }
        guard waiting.isEmpty, queued == 0 || queued + events.count <= capacity else { return false }
        append(events)
        return true
    }

    private func append(_ events: [PreparedEvent]) {
        batches.append(events)
        queued += events.count
        condition.broadcast()
    }

    /// Blocks until events are available, then waits up to `linger` seconds for `max` to accumulate.
    /// Returns `nil` once the queue is closed and empty.
    public func take(max: Int, linger: TimeInterval) -> [PreparedEvent]? {
        condition.lock()
        defer { condition.unlock() }
        while queued == 0 && waiting.isEmpty && !closed { condition.wait() }
        if queued == 0 && waiting.isEmpty { return nil }
        if queued < max && !closed {
            let deadline = Date(timeIntervalSinceNow: linger)
            while queued < max && !closed && waiting.isEmpty {
                if !condition.wait(until: deadline) { break }
            }
        }
        var out: [PreparedEvent] = []
        while head < batches.count && (out.isEmpty || out.count + batches[head].count <= max) {
            // Moved out, not copied: the writer then holds the only reference to each event, and
            // can link it in place.
            var next: [PreparedEvent] = []
            swap(&next, &batches[head])
            queued -= next.count
            if out.isEmpty { out = next } else { out.append(contentsOf: next) }
            head += 1
        }
        if head > 64 && head * 2 > batches.count {
            batches.removeFirst(head)
            head = 0
        }
        // Room was made: admit suspended producers in order.
        while let first = waiting.first, queued == 0 || queued + first.events.count <= capacity {
            waiting.removeFirst()
            batches.append(first.events)
            queued += first.events.count
            first.resume.resume()
        }
        if out.isEmpty, let first = waiting.first {
            // A single batch larger than the whole capacity: take it directly.
            waiting.removeFirst()
            first.resume.resume()
            return first.events
        }
        return out
    }

    /// No more events will come: `take` drains what is queued, then returns `nil`; suspended
    /// producers are admitted.
    public func close() {
        condition.lock()
        closed = true
        for w in waiting {
            batches.append(w.events)
            queued += w.events.count
            w.resume.resume()
        }
        waiting.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
