import Synchronization

/// The bound address of a listener, published once by `run()` and awaited by anyone who needs the real port.
final class ListenerBinding: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<ListenerAddress, any Error>])
        case bound(ListenerAddress)
        case failed(any Error)
    }

    private struct Storage {
        var state = State.waiting([:])
        var nextWaiterID = 0
    }

    private let storage = Mutex(Storage())

    /// The address once bound, else `nil`.
    var address: ListenerAddress? {
        storage.withLock { storage in
            if case .bound(let address) = storage.state { return address }
            return nil
        }
    }

    func bound(to address: ListenerAddress) { settle(.bound(address)) }

    /// Wakes waiters with `error`; does nothing when already bound.
    func failed(_ error: any Error) { settle(.failed(error)) }

    func wait() async throws -> ListenerAddress {
        let id = storage.withLock { storage in
            defer { storage.nextWaiterID += 1 }
            return storage.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let result: Result<ListenerAddress, any Error>? = storage.withLock { storage in
                    switch storage.state {
                    case .bound(let address):
                        return .success(address)
                    case .failed(let error):
                        return .failure(error)
                    case .waiting(var waiters):
                        if Task.isCancelled { return .failure(CancellationError()) }
                        waiters[id] = continuation
                        storage.state = .waiting(waiters)
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let continuation: CheckedContinuation<ListenerAddress, any Error>? = storage.withLock { storage in
                guard case .waiting(var waiters) = storage.state else { return nil }
                let continuation = waiters.removeValue(forKey: id)
                storage.state = .waiting(waiters)
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    private func settle(_ newState: State) {
        let waiters: [CheckedContinuation<ListenerAddress, any Error>] = storage.withLock { storage in
            guard case .waiting(let waiters) = storage.state else { return [] }
            storage.state = newState
            return Array(waiters.values)
        }
        for waiter in waiters {
            switch newState {
            case .bound(let address): waiter.resume(returning: address)
            case .failed(let error): waiter.resume(throwing: error)
            case .waiting: break
            }
        }
    }
}
