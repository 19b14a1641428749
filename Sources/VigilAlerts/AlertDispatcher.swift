import Logging
import Metrics
import Synchronization
import VigilCore

/// Hands alerts to notifiers without ever making the caller wait: one bounded queue and one worker per
/// notifier, retries with exponential backoff, and every outcome counted.
///
/// A full queue drops the alert for that notifier (counted in `vigil_alert_notifications_dropped_total`);
/// a notifier that hangs or fails holds up only its own queue.
public final class AlertDispatcher: Sendable {
    /// Retry and queue settings of one notifier.
    public struct Policy: Sendable, Equatable {
        /// Attempts after the first one.
        public var retries: Int
        /// Seconds before the first retry; doubles each time (at most `maximumBackoff`).
        public var backoff: Double
        public var maximumBackoff: Double
        /// Alerts waiting for this notifier.
        public var queueCapacity: Int

        public init(retries: Int = 3, backoff: Double = 1, maximumBackoff: Double = 300, queueCapacity: Int = 1000) {
            self.retries = retries
            self.backoff = backoff
            self.maximumBackoff = maximumBackoff
            self.queueCapacity = queueCapacity
        }
    }

    /// Delivery outcomes of one notifier since start.
    public struct Counts: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        public var dropped = 0
        public var attemptsFailed = 0

        public init(sent: Int = 0, failed: Int = 0, dropped: Int = 0, attemptsFailed: Int = 0) {
            self.sent = sent
            self.failed = failed
            self.dropped = dropped
            self.attemptsFailed = attemptsFailed
        }
    }

    private struct Channel: Sendable {
        let notifier: any Notifier
        let policy: Policy
        let stream: AsyncStream<Alert>
        let continuation: AsyncStream<Alert>.Continuation
        let sent: Counter
        let failed: Counter
        let dropped: Counter
    }

    private let channels: [String: Channel]
    private let counts = Mutex<[String: Counts]>([:])
    private let logger: Logger

    public init(notifiers: [(notifier: any Notifier, policy: Policy)], logger: Logger) {
        var channels: [String: Channel] = [:]
        for (notifier, policy) in notifiers {
            let (stream, continuation) = AsyncStream.makeStream(
                of: Alert.self, bufferingPolicy: .bufferingOldest(max(1, policy.queueCapacity)))
            let dimensions = [("notifier", notifier.name)]
            channels[notifier.name] = Channel(
                notifier: notifier, policy: policy, stream: stream, continuation: continuation,
                sent: Counter(label: "vigil_alert_notifications_sent_total", dimensions: dimensions),
                failed: Counter(label: "vigil_alert_notifications_failed_total", dimensions: dimensions),
                dropped: Counter(label: "vigil_alert_notifications_dropped_total", dimensions: dimensions))
        }
        self.channels = channels
        self.logger = logger
    }

    public var notifierNames: [String] { channels.keys.sorted() }

    /// Outcomes per notifier name.
    public func counts(_ name: String) -> Counts { counts.withLock { $0[name] ?? Counts() } }

    /// Queues the alert for each of its notifiers; returns at once.
    public func dispatch(_ alert: Alert) {
        for name in alert.notify {
            guard let channel = channels[name] else {
                logger.warning("An alert names an unknown notifier.", metadata: ["rule": "\(alert.rule)", "notifier": "\(name)"])
                continue
            }
            if case .dropped = channel.continuation.yield(alert) {
                channel.dropped.increment()
                update(name) { $0.dropped += 1 }
                logger.warning("A notifier's queue is full; the alert is not sent to it.",
                               metadata: ["rule": "\(alert.rule)", "notifier": "\(name)"])
            }
        }
    }

    /// Delivers queued alerts until `finish()` was called and the queues are empty (or the task is cancelled).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for channel in channels.values {
                group.addTask { await self.work(channel) }
            }
        }
    }

    /// No new alerts: the workers deliver what is queued, then `run()` returns.
    public func finish() {
        for channel in channels.values { channel.continuation.finish() }
    }

    private func work(_ channel: Channel) async {
        let name = channel.notifier.name
        for await alert in channel.stream {
            if Task.isCancelled { break }
            var attempt = 0
            while true {
                do {
                    try await channel.notifier.send(alert)
                    channel.sent.increment()
                    update(name) { $0.sent += 1 }
                    break
                } catch {
                    update(name) { $0.attemptsFailed += 1 }
                    if attempt >= channel.policy.retries || Task.isCancelled {
                        channel.failed.increment()
                        update(name) { $0.failed += 1 }
                        logger.error(
                            "A notifier failed to deliver an alert; giving up.",
                            metadata: ["notifier": "\(name)", "rule": "\(alert.rule)", "error": "\(error)",
                                       "attempts": "\(attempt + 1)"])
                        break
                    }
                    let delay = min(channel.policy.maximumBackoff, channel.policy.backoff * Double(1 << min(attempt, 20)))
                    logger.warning(
                        "A notifier failed to deliver an alert; retrying.",
                        metadata: ["notifier": "\(name)", "rule": "\(alert.rule)", "error": "\(error)",
                                   "retry_in": "\(delay)s"])
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                }
            }
        }
    }

    private func update(_ name: String, _ change: (inout Counts) -> Void) {
        counts.withLock { change(&$0[name, default: Counts()]) }
    }
}
