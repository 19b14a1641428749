import Metrics
import Synchronization
import VigilCore
import VigilParsers

/// The `LineSink` listeners feed: turns each line into an event on the caller's task (so parsing
/// runs in parallel across connections) and queues the events for the writer.
public final class PipelineSink: LineSink {
    public let processor: LineProcessor
    public let queue: EventQueue
    public let redactor: Redactor?
    public let dropRules: DropRules?
    private let accepted = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    private let ids = Mutex(EventIDGenerator())
    private let dropCounters: [Counter]
    private let redactionCounters: [Counter]

    /// - Parameters:
    ///   - redactor: masks secrets in every event before it is hashed, stored or streamed.
    ///   - dropRules: events matching one are not stored (counted per rule in `vigil_events_dropped_total`).
    public init(processor: LineProcessor, queue: EventQueue, redactor: Redactor? = nil, dropRules: DropRules? = nil) {
        self.processor = processor
        self.queue = queue
        self.redactor = redactor?.isActive == true ? redactor : nil
        self.dropRules = dropRules?.isEmpty == false ? dropRules : nil
        dropCounters = (dropRules?.names ?? []).map { Counter(label: "vigil_events_dropped_total", dimensions: [("rule", $0)]) }
        redactionCounters = (redactor?.ruleNames ?? []).map { Counter(label: "vigil_redactions_total", dimensions: [("rule", $0)]) }
    }

    /// Events removed by drop rules since start.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Applies drop rules and redaction, then gives each kept event its id and encodings.
    func prepare(_ events: [AuditEvent]) -> [PreparedEvent] {
        var events = filter(events[...])
        assignIDs(&events)
        return PreparedEvent.batch(events)
    }

    /// Ids from one generator for the whole sink, so that they increase from batch to batch of a
    /// connection even within one millisecond (a generator per batch would start at random there).
    private func assignIDs(_ events: inout [AuditEvent]) {
        ids.withLock { ids in
            for i in events.indices where events[i].id == EventID(high: 0, low: 0) {
                events[i].id = ids.next(at: events[i].received)
            }
        }
    }

    /// Batches at least this long are worked on in two halves at once: one busy connection would
    /// otherwise keep a single core parsing while the other waits.
    static let concurrentBatch = 256

    /// `lines.map(process)` then ``prepare(_:)``, in two concurrent halves for long batches. Ids are
    /// given in one pass between the halves' parsing and encoding, so they still increase in line order.
    func prepare(lines: [ReceivedLine]) async -> [PreparedEvent] {
        guard lines.count >= Self.concurrentBatch else { return prepare(lines.map(processor.process)) }
        let middle = lines.count / 2
        async let head = filter(lines[..<middle].map(processor.process)[...])
        let tail = filter(lines[middle...].map(processor.process)[...])
        var events = await head + tail
        assignIDs(&events)
        let half = events.count / 2
        let first = Array(events[..<half])
        let second = Array(events[half...])
        async let encodedHead = PreparedEvent.batch(first)
        let encodedTail = PreparedEvent.batch(second)
        return await encodedHead + encodedTail
    }

    /// Drop rules and redaction.
    private func filter(_ events: ArraySlice<AuditEvent>) -> [AuditEvent] {
        guard dropRules != nil || redactor != nil else { return Array(events) }
        var kept: [AuditEvent] = []
        kept.reserveCapacity(events.count)
        var drops = 0
        for var event in events {
            if let rule = dropRules?.firstMatch(event) {
                dropCounters[rule].increment()
                drops += 1
                continue
            }
            if let redactor {
                let report = redactor.redact(&event)
                if report.didRedact {
                    for (index, count) in report.counts.enumerated() where count > 0 && index < redactionCounters.count {
                        redactionCounters[index].increment(by: count)
                    }
                }
            }
            kept.append(event)
        }
        if drops > 0 { dropped.add(drops, ordering: .relaxed) }
        return kept
    }

    /// Events accepted into the queue since start: each one will be committed before a clean exit
    /// (lines removed by drop rules are counted in `droppedCount` instead).
    public var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    public func submit(_ lines: [ReceivedLine]) async {
        await submit(lines, ack: nil)
    }

    /// Queues the lines' events; `ack` is resolved once they are committed (at once if drop rules
    /// removed them all).
    public func submit(_ lines: [ReceivedLine], ack: CommitAck?) async {
        await enqueue(await prepare(lines: lines), ack: ack)
    }

    /// Queues events that were parsed elsewhere (`vigil import`, `vigil reparse`, `vigil run` over
    /// HTTP); the writer gives them new ids and chain links.
    public func submit(events: [AuditEvent], ack: CommitAck? = nil) async {
        await enqueue(prepare(Self.withoutIDs(events)), ack: ack)
    }

    public func trySubmit(_ lines: [ReceivedLine]) -> Bool {
        trySubmit(lines, ack: nil)
    }

    /// Like `submit`, but returns `false` (queueing nothing) when the queue is full.
    public func trySubmit(_ lines: [ReceivedLine], ack: CommitAck?) -> Bool {
        tryEnqueue(prepare(lines.map(processor.process)), ack: ack)
    }

    /// `trySubmit` for parsed events.
    public func trySubmit(events: [AuditEvent], ack: CommitAck?) -> Bool {
        tryEnqueue(prepare(Self.withoutIDs(events)), ack: ack)
    }

    private static func withoutIDs(_ events: [AuditEvent]) -> [AuditEvent] {
        var events = events
        for i in events.indices { events[i].id = EventID(high: 0, low: 0) }
        return events
    }

    // The batches are taken `consuming`: a copy of the array would make setting the ack copy
    // every event in it.
    private func enqueue(_ prepared: consuming [PreparedEvent], ack: CommitAck?) async {
        var prepared = prepared
        guard attach(ack, to: &prepared) else { return }
        await queue.submit(prepared)
        accepted.add(prepared.count, ordering: .relaxed)
    }

    private func tryEnqueue(_ prepared: consuming [PreparedEvent], ack: CommitAck?) -> Bool {
        var prepared = prepared
        guard attach(ack, to: &prepared) else { return true }
        guard queue.trySubmit(prepared) else { return false }
        accepted.add(prepared.count, ordering: .relaxed)
        return true
    }

    /// Puts the ack on the last event; `false` when there is nothing to queue (the ack is resolved).
    private func attach(_ ack: CommitAck?, to prepared: inout [PreparedEvent]) -> Bool {
        guard !prepared.isEmpty else {
            ack?.resolve(.committed)
            return false
        }
        if let ack { prepared[prepared.count - 1].ack = ack }
        return true
    }
}
