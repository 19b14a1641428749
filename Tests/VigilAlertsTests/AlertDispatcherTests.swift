import Logging
import Synchronization
import Testing
import VigilAlerts
import VigilCore
import VigilTestSupport

/// Fails its first `failures` attempts, or hangs for `hang` on each one.
final class ScriptedNotifier: Notifier {
    static let kind = "scripted"
    let name: String
    let failures: Int
    let hang: Duration
    let attempts = Atomic<Int>(0)
    let delivered = Mutex<[String]>([])

    init(name: String, options: NotifierOptions) throws(AlertError) {
        self.name = name
        failures = Int(options.values["failures"]?.intValue ?? 0)
        hang = .milliseconds(options.values["hang_ms"]?.intValue ?? 0)
    }

    func send(_ alert: Alert) async throws(AlertError) {
        let attempt = attempts.add(1, ordering: .relaxed).newValue
        if hang > .zero { try? await Task.sleep(for: hang) }
        if attempt <= failures { throw .deliveryFailed(notifier: name, reason: "scripted failure \(attempt)") }
        delivered.withLock { $0.append(alert.rule) }
    }
}

@Suite struct AlertDispatcherTests {
    static func alert(_ rule: String, notify: [String]) -> Alert {
        Alert(rule: rule, group: "", count: 1, time: Sample.time(0), severity: "low", message: rule, notify: notify)
    }

    @Test func retriesWithBackoffThenGivesUpAndCounts() async throws {
        let flaky = try ScriptedNotifier(name: "flaky", options: NotifierOptions(name: "flaky", values: ["failures": 2]))
        let broken = try ScriptedNotifier(name: "broken", options: NotifierOptions(name: "broken", values: ["failures": 100]))
        let policy = AlertDispatcher.Policy(retries: 2, backoff: 0.01)
        let dispatcher = AlertDispatcher(notifiers: [(flaky, policy), (broken, policy)], logger: Logger(label: "test"))
        dispatcher.dispatch(Self.alert("r1", notify: ["flaky", "broken", "nobody"]))
        dispatcher.finish()
        await dispatcher.run()
        #expect(dispatcher.counts("flaky") == .init(sent: 1, failed: 0, dropped: 0, attemptsFailed: 2))
        #expect(dispatcher.counts("broken") == .init(sent: 0, failed: 1, dropped: 0, attemptsFailed: 3))
        #expect(flaky.delivered.withLock { $0 } == ["r1"])
    }

    @Test func aHangingNotifierNeitherBlocksTheCallerNorOtherNotifiers() async throws {
        let hanging = try ScriptedNotifier(name: "hanging", options: NotifierOptions(name: "hanging", values: ["hang_ms": 60_000]))
        let fast = try ScriptedNotifier(name: "fast", options: NotifierOptions(name: "fast", values: [:]))
        let dispatcher = AlertDispatcher(
            notifiers: [(hanging, .init(retries: 0, queueCapacity: 5)), (fast, .init(retries: 0))], logger: Logger(label: "test"))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            let start = ContinuousClock.now
            for i in 0..<100 { dispatcher.dispatch(Self.alert("r\(i)", notify: ["hanging", "fast"])) }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .milliseconds(500), "dispatch took \(elapsed)")
            #expect(await TestSupport.waitUntil { dispatcher.counts("fast").sent == 100 })
            // One in flight, five queued, the rest dropped and counted.
            #expect(dispatcher.counts("hanging").dropped >= 90)
            group.cancelAll()
        }
    }
}
