import Synchronization
import VigilCore
import VigilParsers

/// The `LineSink` listeners feed: turns each line into an event on the caller's task (so parsing
/// runs in parallel across connections) and queues the events for the writer.
public final class PipelineSink: LineSink {
    public let processor: LineProcessor
    public let queue: EventQueue
    private let accepted = Atomic<Int>(0)

    public init(processor: LineProcessor, queue: EventQueue) {
        self.processor = processor
        self.queue = queue
    }

    /// Lines accepted into the queue since start: each one will be committed before a clean exit.
    public var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    public func submit(_ lines: [ReceivedLine]) async {
        await queue.submit(lines.map(processor.process))
        accepted.add(lines.count, ordering: .relaxed)
    }

    public func trySubmit(_ lines: [ReceivedLine]) -> Bool {
        guard queue.trySubmit(lines.map(processor.process)) else { return false }
        accepted.add(lines.count, ordering: .relaxed)
        return true
    }
}
