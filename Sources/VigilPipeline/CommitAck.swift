import Synchronization

/// Tells a producer when the events it submitted are committed to the store, so HTTP ingest can
/// answer only after a crash can no longer lose them.
///
/// The ack rides on the last event of the producer's batch: the writer takes batches whole and in
/// order, so when that event is committed every earlier event of the batch is too.
public final class CommitAck: Sendable {
    public enum Outcome: Sendable, Equatable {
        case committed
        /// The store kept failing until shutdown and the events were given up.
        case lost
    }

    private enum State {
        case pending([CheckedContinuation<Outcome, Never>])
        case resolved(Outcome)
    }

    private let state = Mutex(State.pending([]))

    public init() {}

    /// Waits for the outcome (returns at once if it is known).
    public func wait() async -> Outcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let known: Outcome? = state.withLock { state in
                switch state {
                case .resolved(let outcome): return outcome
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                }
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    /// Resolves the ack once; later calls are ignored.
    public func resolve(_ outcome: Outcome) {
        let waiters: [CheckedContinuation<Outcome, Never>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .resolved(outcome)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }
}
