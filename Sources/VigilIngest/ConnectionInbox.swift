import Synchronization

/// Carries the frame batches of one stream connection from its event loop to the task that submits them.
///
/// Unlike `NIOAsyncChannel`'s inbound stream it does not drop buffered batches when the consuming task is
/// cancelled: on shutdown the connection is closed, the decoder flushes, and the consumer keeps taking batches
/// until ``finish()``, so every decoded frame reaches the sink.
///
/// Backpressure: the connection's channel runs with `autoRead` off and is read only on demand: when the consumer
/// finds the inbox empty, and once ahead while it submits the previous batch. So at most about two read bursts
/// wait here, and while the sink blocks the socket is not read and TCP pushes back.
final class ConnectionInbox: Sendable {
    private struct State {
        var batches: [[Frame]] = []
        var waiter: CheckedContinuation<[Frame]?, Never>?
        var isFinished = false
    }

    private let state = Mutex(State())
    private let requestRead: @Sendable () -> Void

    /// - Parameter requestRead: Asks the channel for one more read burst; called from the consumer.
    init(requestRead: @escaping @Sendable () -> Void) {
        self.requestRead = requestRead
    }

    /// Adds a batch; called on the event loop.
    func push(_ batch: [Frame]) {
        let waiter: CheckedContinuation<[Frame]?, Never>? = state.withLock { state in
            guard !state.isFinished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.batches.append(batch)
            return nil
        }
        waiter?.resume(returning: batch)
    }

    /// Marks the end of the connection; batches already pushed are still delivered.
    func finish() {
        let waiter: CheckedContinuation<[Frame]?, Never>? = state.withLock { state in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next batch, or `nil` once the connection has ended and everything was taken. Ignores cancellation.
    func next() async -> [Frame]? {
        enum Taken {
            case batch([Frame], isEmptyNow: Bool)
            case end
            case empty
        }
        let taken: Taken = state.withLock { state in
            if !state.batches.isEmpty {
                let batch = state.batches.removeFirst()
                return .batch(batch, isEmptyNow: state.batches.isEmpty && !state.isFinished)
            }
            return state.isFinished ? .end : .empty
        }
        switch taken {
        case .batch(let batch, let isEmptyNow):
            if isEmptyNow { requestRead() }
            return batch
        case .end:
            return nil
        case .empty:
            requestRead()
            let batch = await withCheckedContinuation { (continuation: CheckedContinuation<[Frame]?, Never>) in
                let ready: [Frame]?? = state.withLock { state in
                    if !state.batches.isEmpty { return .some(state.batches.removeFirst()) }
                    if state.isFinished { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
            // Read ahead while the caller submits this batch.
            if batch != nil { requestRead() }
            return batch
        }
    }
}
