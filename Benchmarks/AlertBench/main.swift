// Rule evaluation throughput on one core: events/s and ns/event through `RuleEngine.process` with the
// default rule pack (Config/rules.d), over a realistic mix of audit events (mostly views and updates,
// some logins and failures, a few exports, permission changes and jobs) whose times advance.
// Run: swift run -c release AlertBench [EVENTS] [RULES_DIR]   (or ./dev bench-alerts)
import Foundation
import VigilAlerts
import VigilCore
import VigilServer

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5_000_000
let rulesPath = CommandLine.arguments.dropFirst(2).first ?? "Config/rules.d"
let rules = try RuleLoader.load(paths: [rulesPath])

// MARK: - Events

let start = Timestamp(seconds: 1_795_341_600)
func event(_ action: String, actor: String, ip: String, _ configure: (inout AuditEvent) -> Void = { _ in }) -> AuditEvent {
    var generator = EventIDGenerator()
    var e = AuditEvent(id: generator.next(at: start), time: start, received: start, source: "tcp", action: action)
    e.kind = "web"
    e.host = "web01"
    e.app = "backoffice"
    e.actor = actor
    e.ip = ip
    e.outcome = "success"
    e.severity = "info"
    configure(&e)
    return e
}

var pool: [AuditEvent] = []
for i in 0..<10_000 {
    let actor = "user\(i % 500)"
    let ip = "10.\(i % 7).\(i % 251).\(i % 13)"
    switch i % 100 {
    case 0..<55: pool.append(event("view", actor: actor, ip: ip) { $0.entityType = "product"; $0.entityID = "P\(i)" })
    case 55..<80:
        pool.append(event("update", actor: actor, ip: ip) {
            $0.entityType = "customer"; $0.entityID = "C\(i)"
            $0.changes = [AuditEvent.Change(field: "credit_limit", old: 1000, new: 5000)]
        })
    case 80..<88: pool.append(event("login", actor: actor, ip: ip) { $0.kind = "auth" })
    case 88..<94: pool.append(event("login_failed", actor: actor, ip: ip) { $0.kind = "auth"; $0.outcome = "failure" })
    case 94..<96: pool.append(event("export", actor: actor, ip: ip) { $0.entityType = "customer"; $0.attrs["records"] = .int(Int64(i % 3000)) })
    case 96: pool.append(event("permission_change", actor: actor, ip: ip) { $0.entityType = "user"; $0.attrs["group"] = "audio" })
    case 97: pool.append(event("view", actor: actor, ip: ip) { $0.entityType = "payment"; $0.entityID = "PAY\(i)" })
    case 98: pool.append(event("job_end", actor: "root", ip: ip) { $0.kind = "cron"; $0.entityType = "job"; $0.entityID = "backup" })
    default: pool.append(event("logout", actor: actor, ip: ip))
    }
}

// MARK: - Run

var engine = RuleEngine(rules: rules, start: start)
var alerts: [Alert] = []
alerts.reserveCapacity(1024)
var fired = 0
// Warm-up pass, then the measured one; time moves 1 ms per event (1,000 events/s of event time).
for round in 0..<2 {
    let n = round == 0 ? min(count, 200_000) : count
    engine = RuleEngine(rules: rules, start: start)
    fired = 0
    let began = DispatchTime.now().uptimeNanoseconds
    for i in 0..<n {
        // Set in place: copying the event out of the pool would time the copy, not the rules.
        let p = i % pool.count
        let time = Timestamp(microseconds: start.microseconds + Int64(i) * 1000)
        pool[p].time = time
        engine.process(pool[p], into: &alerts)
        if i & 0x3FFF == 0 { engine.advance(to: time, into: &alerts) }
        if !alerts.isEmpty {
            fired += alerts.count
            alerts.removeAll(keepingCapacity: true)
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
    if round == 1 {
        print("rules: \(rules.count) (\(rules.filter(\.isEnabled).count) enabled) from \(rulesPath)")
        print("events: \(n), alerts: \(fired), groups tracked at the end: \(engine.groupCount)")
        print(String(format: "rule evaluation: %.0f events/s, %.0f ns/event (one core)", Double(n) / seconds, seconds * 1e9 / Double(n)))
    }
}
