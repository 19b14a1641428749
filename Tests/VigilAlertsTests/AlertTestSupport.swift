import VigilAlerts
import VigilCore

/// Events and rules for the alert tests.
enum Sample {
    /// 2026-11-23T10:00:00Z, a Monday.
    static let base: Int64 = 1_795_428_000 * 1_000_000

    static func time(_ seconds: Double) -> Timestamp {
        Timestamp(microseconds: base + Int64((seconds * 1_000_000).rounded()))
    }

    nonisolated(unsafe) private static var generator = EventIDGenerator()

    static func event(
        _ action: String, at seconds: Double, actor: String? = "alice", ip: String? = "192.0.2.7",
        outcome: String? = nil, configure: (inout AuditEvent) -> Void = { _ in }
    ) -> AuditEvent {
        let t = time(seconds)
        var event = AuditEvent(id: EventID(high: UInt64(t.microseconds / 1000) << 16 | UInt64(seconds.magnitude * 10) & 0xFFFF,
                                           low: UInt64(seconds.magnitude * 1000)), time: t, received: t, source: "test",
                               action: action)
        event.actor = actor
        event.ip = ip
        event.outcome = outcome ?? (action == "login_failed" ? "failure" : "success")
        configure(&event)
        return event
    }

    static func minutes(_ m: Double) -> Int64 { Int64(m * 60_000_000) }

    /// Runs events through an engine (advancing time with them) and returns every alert.
    static func replay(_ rules: [AlertRule], _ events: [AuditEvent], until end: Double? = nil) -> [Alert] {
        var engine = RuleEngine(rules: rules, start: time(0))
        var alerts: [Alert] = []
        for event in events {
            engine.advance(to: event.time, into: &alerts)
            engine.process(event, into: &alerts)
        }
        if let end { engine.advance(to: time(end), into: &alerts) }
        return alerts
    }
}
