import Foundation
import Logging
import VigilCore
import VigilPipeline
import VigilStore

// The web UI and JSON API benchmark (`./dev bench-web`, driven by Benchmarks/web.sh).
//
//   WebBench seed DIR N                  writes N realistic audit events over the last 90 days into
//                                        DIR/store exactly as the daemon does (ids, hash chain,
//                                        partitions sealed in the background), then DIR/SEEDED
//   WebBench measure BASE_URL TOKEN [--runs R]
//                                        times the pages and API calls (curl, keep-alive, one warm-up
//                                        per endpoint) and the CSV export, and prints p50/p95/max
//                                        beside the targets
//
// Known targets in every seeded store: actor `john.smith` (~0.5 % of events) and entity
// `customer/CUST-12345` (exactly 7 events: one create, one view, five email/credit_limit updates).

func elapsed(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("WebBench: " + message + "\n").utf8))
    exit(1)
}

// MARK: - Generation

/// A small fast deterministic generator, so two seeds of the same N hold the same events.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

struct Actor: Sendable {
    let name: String
    let id: String
    let role: String
    let type: String
    let ip: String
}

/// One of the fixed events every store contains (at a fixed fraction of the time range).
struct KnownEvent: Sendable {
    let fraction: Double
    let actor: String
    let action: String
    let changes: [AuditEvent.Change]
    let message: String
}

/// Produces the events in time order, batch by batch: ids from `EventIDGenerator`, linked by `HashChain`.
struct EventFactory: Sendable {
    static let knownCustomer = "CUST-12345"
    static let known: [KnownEvent] = [
        KnownEvent(fraction: 0.10, actor: "jane.doe", action: "create", changes: [],
                   message: "created customer CUST-12345 (Globex Corporation)"),
        KnownEvent(fraction: 0.25, actor: "john.smith", action: "update",
                   changes: [.init(field: "email", old: .string("billing@globex.example"), new: .string("accounts@globex.example"))],
                   message: "email changed for Globex Corporation"),
        KnownEvent(fraction: 0.40, actor: "john.smith", action: "update",
                   changes: [.init(field: "credit_limit", old: .int(1000), new: .int(5000))],
                   message: "credit limit changed from 1000 to 5000 for Globex Corporation"),
        KnownEvent(fraction: 0.60, actor: "jane.doe", action: "view", changes: [],
                   message: "viewed customer CUST-12345 (Globex Corporation)"),
        KnownEvent(fraction: 0.75, actor: "jane.doe", action: "update",
                   changes: [.init(field: "credit_limit", old: .int(5000), new: .int(25000))],
                   message: "credit limit changed from 5000 to 25000 for Globex Corporation"),
        KnownEvent(fraction: 0.90, actor: "john.smith", action: "update",
                   changes: [.init(field: "email", old: .string("accounts@globex.example"), new: .string("finance@globex.example"))],
                   message: "email changed for Globex Corporation"),
        KnownEvent(fraction: 0.97, actor: "john.smith", action: "update",
                   changes: [.init(field: "credit_limit", old: .int(25000), new: .int(50000))],
                   message: "credit limit changed from 25000 to 50000 for Globex Corporation"),
    ]

    static let entityTypes = ["customer", "order", "invoice", "product", "user"]
    static let categories = ["customer": "customers", "order": "sales", "invoice": "billing", "product": "catalog", "user": "admin"]
    static let companies = [
        "Acme Corp", "Initech", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises", "Hooli", "Vandelay Imports",
        "Soylent GmbH", "Wonka Industries", "Cyberdyne Systems", "Tyrell Corporation", "Gringotts", "Oceanic Airlines",
        "Massive Dynamic", "Aperture Science", "Nakatomi Trading", "Duff Brewing", "Monarch Solutions", "Pied Piper",
        "Bluth Company", "Dunder Mifflin", "Sterling Cooper", "Krusty Krab", "Los Pollos Hermanos",
    ]
    static let products = [
        "steel water bottle", "espresso machine", "office chair", "standing desk", "usb-c dock", "noise cancelling headphones",
        "mechanical keyboard", "4k monitor", "laser printer", "paper shredder", "coffee beans 1kg", "desk lamp",
    ]
    static let userAgents = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    ]
    static let orderStatuses = ["pending", "processing", "shipped", "delivered", "cancelled"]
    static let roles = ["viewer", "support", "sales", "finance", "warehouse", "admin"]

    let count: Int
    let start: Int64
    let step: Double
    let actors: [Actor]
    let knownAt: [Int: Int]
    let johnIndex: Int
    var rng = SplitMix64(state: 0x5EED_0F_5161_1A7)
    var ids = EventIDGenerator()
    var chain = HashChain()
    var index = 0

    init(count: Int, now: Int64) {
        self.count = count
        let span: Int64 = 90 * 86_400 * 1_000_000
        start = now - span
        step = Double(span - 5_000_000) / Double(max(count, 1))
        var known: [Int: Int] = [:]
        for (k, e) in Self.known.enumerated() { known[min(count - 1, Int(Double(count) * e.fraction))] = k }
        knownAt = known
        let first = ["john", "jane", "maria", "li", "ahmed", "olga", "pierre", "sven", "yuki", "carlos", "fatima", "tom",
                     "anna", "raj", "ines", "mehmet", "nora", "pablo", "kofi", "eva", "igor"]
        let last = ["smith", "doe", "garcia", "chen", "khan", "ivanova", "dubois", "larsen", "tanaka", "silva", "haddad",
                    "brown", "müller", "patel", "rossi", "yilmaz", "berg", "lopez", "mensah", "novak", "kowalski"]
        var list: [Actor] = []
        var seen = Set<String>()
        var r = SplitMix64(state: 42)
        // john.smith and jane.doe first, then 420 more people, then the automation.
        for (f, l) in [(0, 0), (1, 1)] + (0..<first.count).flatMap({ f in (0..<last.count).map { (f, $0) } }) {
            let name = "\(first[f]).\(last[l])"
            guard list.count < 422, seen.insert(name).inserted else { continue }
            let n = list.count
            let role = name == "jane.doe" ? "admin" : name == "john.smith" ? "sales" : Self.roles[r.below(Self.roles.count)]
            let ip = n % 9 == 0 ? "203.0.113.\(n % 250 + 1)" : n % 7 == 0 ? "198.51.100.\(n % 250 + 1)" : "10.20.\(n / 200).\(n % 200 + 10)"
            list.append(Actor(name: name, id: "U\(1000 + n)", role: role, type: "user", ip: ip))
        }
        list.append(Actor(name: "system", id: "SYS", role: "service", type: "system", ip: "10.0.0.5"))
        actors = list
        johnIndex = 0
    }

    var remaining: Int { count - index }

    /// The time of event `i`.
    func time(_ i: Int) -> Int64 { start + Int64(Double(i) * step) }

    mutating func pickActor() -> Int {
        let u = rng.below(1000)
        if u < 5 { return johnIndex }  // 0.5 %: a page of john.smith is always full
        if u < 65 { return actors.count - 1 }  // 6 %: system
        // Skewed: a few heavy users, a long tail.
        let x = rng.unit()
        return 1 + Int(x * x * Double(actors.count - 2))
    }

    mutating func pickAction(system: Bool) -> String {
        let u = rng.below(1000)
        if system {
            return u < 500 ? "update" : u < 800 ? "create" : u < 900 ? "delete" : "export"
        }
        switch u {
        case ..<450: return "view"
        case ..<650: return "update"
        case ..<730: return "create"
        case ..<760: return "delete"
        case ..<850: return "login"
        case ..<875: return "login_failed"
        case ..<955: return "logout"
        case ..<990: return "export"
        default: return "permission_change"
        }
    }

    mutating func entityID(_ type: String) -> String {
        switch type {
        case "customer":
            var n = 10_000 + rng.below(90_000)
            if n == 12_345 { n = 12_346 }  // the known customer's history stays exactly the known events
            return "CUST-\(n)"
        case "order": return "ORD-\(100_000 + rng.below(900_000))"
        case "invoice": return "INV-\(500_000 + rng.below(500_000))"
        case "product": return "SKU-\(1_000 + rng.below(9_000))"
        default: return "USER-\(1 + rng.below(500))"
        }
    }

    func entityName(_ type: String, _ id: String) -> String {
        switch type {
        case "customer": return Self.companies[Int(id.dropFirst(5)).map { $0 % Self.companies.count } ?? 0]
        case "product": return Self.products[Int(id.dropFirst(4)).map { $0 % Self.products.count } ?? 0]
        case "order": return "Order #\(id.dropFirst(4))"
        case "invoice": return "Invoice \(id)"
        default: return "account \(id)"
        }
    }

    /// The changes and message of an update.
    mutating func update(_ type: String, name: String) -> ([AuditEvent.Change], String) {
        switch type {
        case "customer":
            switch rng.below(6) {
            case 0, 1:
                let old = Int64(1 + rng.below(50)) * 500
                let new = old + Int64(1 + rng.below(20)) * 500
                return ([.init(field: "credit_limit", old: .int(old), new: .int(new))], "credit limit changed from \(old) to \(new) for \(name)")
            case 2:
                let n = rng.below(900)
                return ([.init(field: "email", old: .string("contact\(n)@example.com"), new: .string("billing\(n)@example.com"))],
                        "email changed for \(name)")
            case 3:
                return ([.init(field: "phone", old: .string("+1 555 01\(rng.below(90) + 10)"), new: .string("+1 555 02\(rng.below(90) + 10)"))],
                        "phone number updated for \(name)")
            case 4:
                return ([.init(field: "customer_group", old: .string("retail"), new: .string("wholesale"))], "customer group changed for \(name)")
            default:
                return ([.init(field: "billing_address", old: .string("\(rng.below(200)) Main St"), new: .string("\(rng.below(200)) Market St")),
                         .init(field: "city", old: .string("Springfield"), new: .string("Shelbyville"))],
                        "billing address updated for \(name)")
            }
        case "order":
            let s = rng.below(Self.orderStatuses.count - 1)
            let old = Self.orderStatuses[s], new = Self.orderStatuses[s + 1]
            return ([.init(field: "status", old: .string(old), new: .string(new))], "order status changed from \(old) to \(new)")
        case "invoice":
            let due = Double(rng.below(500_000)) / 100
            return ([.init(field: "status", old: .string("open"), new: .string("paid")), .init(field: "amount_due", old: .double(due), new: .int(0))],
                    "invoice marked as paid")
        case "product":
            if rng.below(2) == 0 {
                let old = Double(rng.below(20_000) + 99) / 100
                let new = (old * 1.1 * 100).rounded() / 100
                return ([.init(field: "price", old: .double(old), new: .double(new))], "price changed from \(old) to \(new) for \(name)")
            }
            let old = Int64(rng.below(500))
            return ([.init(field: "stock_qty", old: .int(old), new: .int(old + Int64(rng.below(200))))], "stock adjusted for \(name)")
        default:
            return ([.init(field: "email", old: .string("old\(rng.below(999))@example.com"), new: .string("new\(rng.below(999))@example.com"))],
                    "account email changed")
        }
    }

    mutating func makeEvent(_ i: Int) -> AuditEvent {
        let t = Timestamp(microseconds: time(i))
        let received = t.adding(microseconds: 800 + Int64(rng.below(3_000)))
        var actorIndex = pickActor()
        var action = pickAction(system: actorIndex == actors.count - 1)
        let known = knownAt[i].map { Self.known[$0] }
        if let known {
            actorIndex = actors.firstIndex { $0.name == known.actor } ?? 0
            action = known.action
        }
        let actor = actors[actorIndex]
        var e = AuditEvent(time: t, received: received, source: "tcp", action: action)
        e.id = ids.next(at: received)
        e.actor = actor.name
        e.actorID = actor.id
        e.actorRole = actor.role
        e.actorType = actor.type
        e.outcome = "success"
        e.severity = "info"
        e.host = "web0\(1 + rng.below(4))"
        e.app = "backoffice"
        let isSystem = actor.type == "system"
        e.kind = isSystem ? "system" : "web"
        e.ip = actor.ip
        if !isSystem {
            let day = UInt64(t.microseconds / 86_400_000_000)
            var h = SplitMix64(state: day &* 1_000_003 &+ UInt64(actorIndex))
            e.session = "sess-" + String(h.next() & 0xFF_FFFF_FFFF, radix: 16)
            e.userAgent = Self.userAgents[actorIndex % Self.userAgents.count]
        }
        e.attrs = ["syslog": .object(["facility": .int(16), "severity": .int(6)])]

        switch action {
        case "login", "logout", "login_failed":
            e.kind = "auth"
            e.category = "auth"
            e.method = "POST"
            e.url = action == "logout" ? "/admin/auth/logout" : "/admin/auth/login"
            e.status = action == "login_failed" ? 401 : 302
            if action == "login_failed" {
                e.outcome = "failure"
                e.severity = "low"
                if rng.below(4) == 0 {  // someone guessing
                    e.actor = ["admin", "root", "test", "administrator"][rng.below(4)]
                    e.actorID = nil
                    e.actorRole = nil
                    e.ip = "185.220.\(rng.below(250)).\(1 + rng.below(250))"
                    e.session = nil
                }
                e.message = "login failed for \(e.actor ?? ""): invalid password"
                e.attrs["reason"] = .string("invalid_password")
            } else {
                e.message = action == "login" ? "\(actor.name) logged in" : "\(actor.name) logged out"
            }
        case "export":
            let type = Self.entityTypes[rng.below(3)]
            let records = Int64(rng.below(10) == 0 ? 1_000 + rng.below(20_000) : 10 + rng.below(900))
            e.category = Self.categories[type]
            e.entityType = type
            e.method = "GET"
            e.url = "/admin/\(type)/export?format=csv"
            e.status = 200
            e.severity = records >= 1_000 ? "medium" : "info"
            e.attrs["records"] = .int(records)
            e.attrs["format"] = .string("csv")
            e.message = "exported \(records) \(type) records to CSV"
        case "permission_change":
            let id = entityID("user")
            let old = Self.roles[rng.below(Self.roles.count - 1)]
            e.category = "admin"
            e.entityType = "user"
            e.entityID = id
            e.entityName = entityName("user", id)
            e.method = "POST"
            e.url = "/admin/user/role/save/id/\(id)"
            e.status = 200
            e.severity = "high"
            e.changes = [.init(field: "role", old: .string(old), new: .string("admin"))]
            e.message = "role changed from \(old) to admin for \(id)"
        default:
            let type = known != nil ? "customer" : Self.entityTypes[rng.below(rng.below(10) == 0 ? 5 : 4)]
            let id = known != nil ? Self.knownCustomer : entityID(type)
            let name = known != nil ? "Globex Corporation" : entityName(type, id)
            e.category = Self.categories[type]
            e.entityType = type
            e.entityID = id
            e.entityName = name
            e.method = action == "view" ? "GET" : action == "delete" ? "DELETE" : "POST"
            e.url = "/admin/\(type)/\(action == "view" ? "edit" : action)/id/\(id)"
            e.status = 200
            switch action {
            case "update":
                (e.changes, e.message) = update(type, name: name)
            case "delete":
                e.severity = "medium"
                e.message = "deleted \(type) \(id) (\(name))"
            case "create":
                e.message = "created \(type) \(id) (\(name))"
            default:
                e.message = "viewed \(type) \(id) (\(name))"
            }
            if isSystem {
                e.kind = "system"
                e.method = nil
                e.url = nil
                e.status = nil
                e.message = "nightly sync: " + (e.message ?? "")
            }
            if let known {
                e.changes = known.changes
                e.message = known.message
            }
        }
        if e.status != nil {
            e.durationMS = Double(5 + rng.below(400)) + Double(rng.below(100)) / 100
            e.bytes = Int64(300 + rng.below(40_000))
        }
        e.raw = "<134>1 \(t.rfc3339) \(e.host ?? "-") backoffice - - - {\"user\":\"\(e.actor ?? "")\",\"action\":\"\(action)\""
            + (e.entityType.map { ",\"entity_type\":\"\($0)\"" } ?? "") + (e.entityID.map { ",\"entity_id\":\"\($0)\"" } ?? "")
            + ",\"ip\":\"\(e.ip ?? "")\",\"message\":\"\(e.message ?? "")\"}"
        return e
    }

    /// The next batch of linked records: at most `max`, ending early at `boundary` (the time from
    /// which events go to the newest partition) so the caller can rotate there.
    mutating func nextBatch(max: Int, boundary: Int64) -> [EventRecord] {
        var records: [EventRecord] = []
        records.reserveCapacity(Swift.min(max, remaining))
        let crossesAt = time(index) < boundary
        while index < count && records.count < max {
            if crossesAt && time(index) >= boundary && !records.isEmpty { break }
            var e = makeEvent(index)
            chain.link(&e)
            records.append(EventRecord(e))
            index += 1
        }
        return records
    }
}

/// A bounded hand-over from the generating thread to the writing thread.
final class BatchChannel: @unchecked Sendable {
    struct Batch: Sendable {
        var records: [EventRecord]
        var startsNewest: Bool
    }
    private let condition = NSCondition()
    private var items: [Batch] = []
    private var finished = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func put(_ batch: Batch) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        guard !items.isEmpty else { return nil }
        let batch = items.removeFirst()
        condition.broadcast()
        return batch
    }
}

func directorySize(_ path: String) -> Int64 {
    var total: Int64 = 0
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
        total += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
    return total
}

func seed(directory: String, count: Int) throws {
    guard count >= 100 else { fail("seed needs N >= 100 (the known events sit at fixed fractions of N)") }
    let storePath = directory + "/store"
    if !((try? FileManager.default.contentsOfDirectory(atPath: storePath)) ?? []).filter({ $0.hasSuffix(".sqlite") }).isEmpty {
        fail("\(storePath) already holds partitions; remove \(directory) to seed again")
    }
    let now = Timestamp.now().microseconds
    let factory = EventFactory(count: count, now: now)
    // The daemon's newest partition holds at most `partition_age` (1h) of events: the last hour goes there.
    let boundary = now - 3_600_000_000
    let channel = BatchChannel(capacity: 3)
    let producer = Thread {
        var f = factory
        var newestStarted = false
        while f.remaining > 0 {
            let startsNewest = !newestStarted && f.time(f.index) >= boundary
            if startsNewest { newestStarted = true }
            channel.put(.init(records: f.nextBatch(max: 10_000, boundary: boundary), startsNewest: startsNewest))
        }
        channel.finish()
    }
    producer.stackSize = 8 << 20
    producer.start()

    var logger = Logger(label: "webbench")
    logger.logLevel = .warning
    let store = try StoreWriter(directory: storePath, logger: logger, now: .now())
    let started = DispatchTime.now()
    var written = 0
    var nextReport = 500_000
    var lastReport = (at: DispatchTime.now(), written: 0)
    print("seeding \(count) events into \(storePath) (90 days up to now, 500,000 per partition)")
    while let batch = channel.take() {
        if batch.startsNewest { try store.rotate(now: .now()) }
        try store.append(records: batch.records, now: .now())
        written += batch.records.count
        if written >= nextReport || written == count {
            let recent = Double(written - lastReport.written) / elapsed(lastReport.at)
            print(String(format: "  %10d / %d events  %8.0f events/s (last %d: %.0f events/s)",
                         written, count, Double(written) / elapsed(started), written - lastReport.written, recent))
            fflush(nil)
            lastReport = (DispatchTime.now(), written)
            nextReport += 500_000
        }
    }
    let writeSeconds = elapsed(started)
    print(String(format: "written: %d events in %.1f s (%.0f events/s); waiting for the sealer (indexes, FTS, summaries)...",
                 written, writeSeconds, Double(written) / writeSeconds))
    fflush(nil)
    let sealStarted = DispatchTime.now()
    store.waitForSealing()
    store.close()
    let total = elapsed(started)
    let partitions = ((try? FileManager.default.contentsOfDirectory(atPath: storePath)) ?? []).filter { $0.hasSuffix(".sqlite") }.count
    print(String(format: "sealed: %.1f s after the last write; total %.1f s (%.0f events/s end to end), %d partitions, %.0f MB",
                 elapsed(sealStarted), total, Double(written) / total, partitions, Double(directorySize(storePath)) / 1e6))
    let marker = "events=\(count)\nseeded=\(Timestamp(microseconds: now).rfc3339)\n"
    try marker.write(toFile: directory + "/SEEDED", atomically: true, encoding: .utf8)
}

// MARK: - Measurement

struct Timing {
    var status: Int
    var seconds: Double
    var bytes: Int
}

func encodeQuery(_ q: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~:/")
    return q.addingPercentEncoding(withAllowedCharacters: allowed) ?? q
}

/// Runs curl; returns its exit status and standard output.
func curl(_ arguments: [String]) throws -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data)
}

/// `runs + 1` GETs of `url` over one keep-alive connection; the first (warm-up) is dropped.
func timeRequests(_ url: String, token: String, runs: Int) throws -> [Timing] {
    var arguments = ["-s", "-H", "Authorization: Bearer \(token)", "-w", "%{http_code} %{time_total} %{size_download}\\n"]
    for _ in 0...runs { arguments += [url, "-o", "/dev/null"] }
    let (_, output) = try curl(arguments)
    let timings = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line -> Timing? in
        let parts = line.split(separator: " ")
        guard parts.count == 3, let status = Int(parts[0]), let seconds = Double(parts[1]), let bytes = Int(parts[2]) else { return nil }
        return Timing(status: status, seconds: seconds, bytes: bytes)
    }
    return Array(timings.dropFirst())
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
}

/// What one response holds, for the table: events on a JSON page, or the size of a page.
func describe(_ url: String, token: String) -> String {
    guard let (status, body) = try? curl(["-s", "-H", "Authorization: Bearer \(token)", url]), status == 0 else { return "?" }
    if let json = try? JSONSerialization.jsonObject(with: body) {
        if let object = json as? [String: Any] {
            if let events = object["events"] as? [Any] {
                return "\(events.count) events" + (object["next"] is String ? ", next" : "")
            }
            if let history = object["history"] as? [Any] { return "\(history.count) events" }
            return "\(object.count) keys"
        }
        if let array = json as? [Any] { return "\(array.count) items" }
    }
    return String(format: "%.1f KB", Double(body.count) / 1000)
}

/// Streams the export through `curl | wc -l` (reading it into this process was slower than the
/// daemon writes it); returns (lines, bytes, seconds, status line of the response).
func timeExport(_ url: String, token: String) throws -> (lines: Int, bytes: Int, seconds: Double, httpStatus: String) {
    let scratch = NSTemporaryDirectory() + "webbench-export-\(getpid())"
    defer {
        for suffix in [".headers", ".size"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = [
        "-c", #"curl -s -N -D "$1.headers" -H "Authorization: Bearer $2" -w '%{stderr}%{size_download}' "$3" 2> "$1.size" | wc -l"#,
        "sh", scratch, token, url,
    ]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    let started = DispatchTime.now()
    try process.run()
    let counted = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let seconds = elapsed(started)
    let lines = Int(String(decoding: counted, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    let head = (try? String(contentsOfFile: scratch + ".headers", encoding: .utf8)) ?? ""
    let status = head.split(separator: "\r\n").first.map(String.init) ?? "no answer"
    let bytes = Int((try? String(contentsOfFile: scratch + ".size", encoding: .utf8)) ?? "") ?? 0
    return (lines, bytes, seconds, status)
}

func measure(base: String, token: String, runs: Int) throws {
    let base = base.hasSuffix("/") ? String(base.dropLast()) : base
    struct Case {
        let label: String
        let path: String
        let targetMS: Double
    }
    let combined = "actor:john.smith action:update"
    let cases = [
        Case(label: "events, one filter (actor:john.smith)", path: "/api/v1/events?q=" + encodeQuery("actor:john.smith"), targetMS: 100),
        Case(label: "events, actor + action", path: "/api/v1/events?q=" + encodeQuery(combined), targetMS: 100),
        Case(label: "events, type + action + since:30d",
             path: "/api/v1/events?q=" + encodeQuery("entity_type:customer action:delete since:30d"), targetMS: 100),
        Case(label: "events, full text \"credit limit\"", path: "/api/v1/events?q=" + encodeQuery("\"credit limit\""), targetMS: 300),
        Case(label: "entity history customer/CUST-12345", path: "/api/v1/entities/customer/CUST-12345/history", targetMS: 100),
        Case(label: "dashboard (JSON)", path: "/api/v1/dashboard", targetMS: 300),
        Case(label: "page /ui/events (actor + action)", path: "/ui/events?q=" + encodeQuery(combined), targetMS: 100),
        Case(label: "page /ui/events (full text)", path: "/ui/events?q=" + encodeQuery("\"credit limit\""), targetMS: 300),
        Case(label: "page /ui/dashboard", path: "/ui/dashboard", targetMS: 300),
    ]
    print("measuring \(base) — \(runs) runs per request after one warm-up, one keep-alive connection (curl time_total)")
    let header = "request".padding(toLength: 40, withPad: " ", startingAt: 0)
    print(header + "  p50 ms   p95 ms   max ms   target p95     answer")
    var failures: [String] = []
    for c in cases {
        let timings = try timeRequests(base + c.path, token: token, runs: runs)
        let label = c.label.padding(toLength: 40, withPad: " ", startingAt: 0)
        let bad = timings.filter { $0.status != 200 }
        if timings.isEmpty || !bad.isEmpty {
            let status = timings.isEmpty ? "no answer" : "HTTP \(bad[0].status)"
            print(label + "  FAILED: \(status) for GET \(c.path)")
            failures.append("\(c.path): \(status)")
            continue
        }
        let sorted = timings.map { $0.seconds * 1000 }.sorted()
        let p95 = percentile(sorted, 0.95)
        let verdict = p95 < c.targetMS ? "met" : "NOT MET"
        print(label + String(format: "  %6.1f   %6.1f   %6.1f   < %3.0f ms %@   %@", percentile(sorted, 0.5), p95, sorted.last ?? .nan,
                             c.targetMS, verdict.padding(toLength: 7, withPad: " ", startingAt: 0), describe(base + c.path, token: token)))
        fflush(nil)
    }
    let exportQuery = "since:30d"
    let export = try timeExport(base + "/api/v1/export?format=csv&q=" + encodeQuery(exportQuery), token: token)
    let rows = max(0, export.lines - 1)
    let label = "export CSV (q=\(exportQuery))".padding(toLength: 40, withPad: " ", startingAt: 0)
    if !export.httpStatus.contains(" 200") {
        print(label + "  FAILED: \(export.httpStatus)")
        failures.append("/api/v1/export: \(export.httpStatus)")
    } else {
        let rate = Double(rows) / export.seconds
        print(label + String(format: "  %d rows (%.1f MB) in %.2f s = %.0f rows/s   target >= 100,000 rows/s %@", rows,
                             Double(export.bytes) / 1e6, export.seconds, rate, rate >= 100_000 ? "met" : "NOT MET"))
    }
    if !failures.isEmpty { fail("requests failed: " + failures.joined(separator: "; ")) }
}

// MARK: - Main

let arguments = CommandLine.arguments
let usage = "usage: WebBench seed DIR N | WebBench measure BASE_URL TOKEN [--runs R]"
switch arguments.count > 1 ? arguments[1] : "" {
case "seed":
    guard arguments.count == 4, let n = Int(arguments[3].replacingOccurrences(of: "_", with: "")) else { fail(usage) }
    do { try seed(directory: arguments[2], count: n) } catch { fail("seeding failed: \(error)") }
case "measure":
    guard arguments.count == 4 || (arguments.count == 6 && arguments[4] == "--runs") else { fail(usage) }
    let runs = arguments.count == 6 ? Int(arguments[5]) ?? 20 : 20
    do { try measure(base: arguments[2], token: arguments[3], runs: max(1, runs)) } catch { fail("measuring failed: \(error)") }
default:
    fail(usage)
}
