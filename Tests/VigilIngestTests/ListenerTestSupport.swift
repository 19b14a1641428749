import Logging
import Synchronization
import VigilCore
import VigilIngest

#if canImport(Glibc)
import Glibc
#endif

/// Runs `listener` in a child task, hands its bound address to `body`, then cancels it and waits for `run()`.
func withRunningListener<Result: Sendable>(
    _ listener: any IngestListener,
    _ body: (ListenerAddress) async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await listener.run() }
        do {
            let result = try await body(try await listener.waitUntilBound())
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try condition()
}

let silentLogger = Logger(label: "vigil.ingest.tests") { _ in SwiftLogNoOpLogHandler() }

/// A fresh socket path under /tmp.
func temporarySocketPath(_ name: String) -> String {
    "/tmp/vigil-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
}

/// `/proc/self/exe` of the test process.
func ownExecutable() -> String? {
    var target = [CChar](repeating: 0, count: 4_096)
    let length = readlink("/proc/self/exe", &target, target.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func text(_ line: ReceivedLine) -> String { String(decoding: line.bytes, as: UTF8.self) }

/// A flag set from any thread.
final class TestFlag: Sendable {
    private let state = Mutex(false)
    var value: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
