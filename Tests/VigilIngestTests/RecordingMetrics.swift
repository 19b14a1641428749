import CoreMetrics
import Synchronization

/// A metrics factory for tests: every counter and meter keeps its value, looked up by label and dimensions.
final class RecordingMetrics: MetricsFactory {
    private let values = Mutex<[String: Double]>([:])

    func value(_ label: String, _ dimensions: [(String, String)]) -> Double {
        values.withLock { $0[Self.key(label, dimensions)] ?? 0 }
    }

    fileprivate func add(_ key: String, _ delta: Double) { values.withLock { $0[key, default: 0] += delta } }
    fileprivate func set(_ key: String, _ value: Double) { values.withLock { $0[key] = value } }

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        Handler(metrics: self, key: Self.key(label, dimensions))
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

private final class Handler: CounterHandler, FloatingPointCounterHandler, MeterHandler, RecorderHandler, TimerHandler {
    let metrics: RecordingMetrics
    let key: String

    init(metrics: RecordingMetrics, key: String) {
        self.metrics = metrics
        self.key = key
    }

    func increment(by amount: Int64) { metrics.add(key, Double(amount)) }
    func increment(by amount: Double) { metrics.add(key, amount) }
    func decrement(by amount: Double) { metrics.add(key, -amount) }
    func set(_ value: Int64) { metrics.set(key, Double(value)) }
    func set(_ value: Double) { metrics.set(key, value) }
    func record(_ value: Int64) { metrics.set(key, Double(value)) }
    func record(_ value: Double) { metrics.set(key, value) }
    func recordNanoseconds(_ duration: Int64) { metrics.set(key, Double(duration)) }
    func reset() { metrics.set(key, 0) }
}
