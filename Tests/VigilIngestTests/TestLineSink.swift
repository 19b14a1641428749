import Synchronization
import VigilCore

/// Collects lines; can be "full": then `trySubmit` refuses and `submit` waits (uncancellably, like the pipeline
/// queue) until ``unblock()``.
final class TestLineSink: LineSink {
    private struct State {
        var lines: [ReceivedLine] = []
        var isFull = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var lines: [ReceivedLine] { state.withLock { $0.lines } }
    var count: Int { state.withLock { $0.lines.count } }
    var texts: [String] { lines.map { String(decoding: $0.bytes, as: UTF8.self) } }
    /// `submit` calls waiting for room.
    var waitingSubmits: Int { state.withLock { $0.waiters.count } }

    func block() { state.withLock { $0.isFull = true } }

    func unblock() {
        let waiters = state.withLock { state in
            state.isFull = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func submit(_ lines: [ReceivedLine]) async {
        while true {
            let isFull = state.withLock { $0.isFull }
            if !isFull, trySubmit(lines) { return }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let mustWait = state.withLock { state in
                    guard state.isFull else { return false }
                    state.waiters.append(continuation)
                    return true
                }
                if !mustWait { continuation.resume() }
            }
        }
    }

    func trySubmit(_ lines: [ReceivedLine]) -> Bool {
        state.withLock { state in
            guard !state.isFull else { return false }
            state.lines.append(contentsOf: lines)
            return true
        }
    }
}
