import CSQLite
import Testing
import VigilCore

#if canImport(VigilStoreFilterSQL)
import VigilStoreFilterSQL
#else
import VigilStore
#endif

/// The SQL and in-memory back ends of the filter language must select the same events.
@Suite struct FilterSQLAgreementTests {
    static let now =
        Timestamp(year: 2026, month: 1, day: 10, hour: 12, minute: 0, second: 0) ?? Timestamp(microseconds: 0)

    @Test func randomFiltersSelectTheSameEventsInSQLAndInMemory() throws {
        var random = SplitMix64(seed: 0x5EED_F117)
        let events = (0..<400).map { _ in AgreementGenerator.event(&random, now: Self.now) }
        let database = try AgreementDatabase(events: events)
        var checked = 0
        var discriminating = 0
        for _ in 0..<2_500 {
            let text = AgreementGenerator.filter(&random, depth: 0)
            let filter: Filter
            do {
                filter = try Filter.parse(text)
            } catch {
                Issue.record("generated filter did not parse: \(text)\n\(error.rendered(in: text))")
                continue
            }
            let reparsed = try? Filter.parse(filter.description)
            #expect(reparsed == filter, "description does not read back: \(text) -> \(filter.description)")
            let predicate = filter.predicate(now: Self.now)
            let expected = Set(events.indices.filter { predicate.matches(events[$0]) })
            if !expected.isEmpty && expected.count < events.count { discriminating += 1 }
            for ftsTable in [nil, "events_fts", "events_fts_full"] {
                let fragment = filter.sql(FilterSQLOptions(now: Self.now, ftsTable: ftsTable))
                let actual = try database.select(fragment)
                guard actual != expected else { continue }
                let differing = expected.symmetricDifference(actual).sorted().first ?? 0
                Issue.record(
                    """
                    SQL and memory disagree (fts: \(ftsTable ?? "none")) on filter: \(text)
                    parsed: \(filter.description)
                    sql: \(fragment.sql)
                    event (memory says \(expected.contains(differing))): \(events[differing].jsonString)
                    """)
                return
            }
            checked += 1
        }
        #expect(checked == 2_500)
        // Filters that select all or nothing prove little; most must split the events.
        #expect(discriminating > 2_000, "only \(discriminating) filters split the events")
    }

    @Test(arguments: [
        "actor:'", "actor:';DROP TABLE events;--", "actor:\"\\\") OR 1=1 --\"", "\") OR 1=1 --",
        "'; DELETE FROM events; --", "actor:a\u{0}b", "\"nul \u{0} inside\"", "attrs.x:\"' OR ''='\"",
        "entity:\"a'/b;--\"", "message:*'*", "ip:\"1.2.3.4'--\"", "\"]]]\" or \"[[[\" or \"?*?\"",
        "attrs.a-b@c.d:1 or attrs.x_y:\"--\"", "\"\u{202E}rtl\" and actor:😀*",
    ])
    func hostileInputIsBoundNeverSpliced(text: String) throws {
        let events = (0..<20).map { i in
            var random = SplitMix64(seed: UInt64(i))
            return AgreementGenerator.event(&random, now: Self.now)
        }
        let database = try AgreementDatabase(events: events)
        // Refusing the text is fine; what parses must stay out of the SQL text.
        guard let filter = try? Filter.parse(text) else { return }
        for ftsTable in [nil, "events_fts", "events_fts_full"] {
            let fragment = filter.sql(FilterSQLOptions(now: Self.now, ftsTable: ftsTable))
            for marker in [";", "--", "1=1", "DROP", "DELETE", "\u{0}", "😀", "rtl"] {
                #expect(!fragment.sql.contains(marker), "\(marker) reached the SQL text: \(fragment.sql)")
            }
            let predicate = filter.predicate(now: Self.now)
            let expected = Set(events.indices.filter { predicate.matches(events[$0]) })
            if !text.contains("\u{0}") {
                #expect(try database.select(fragment) == expected)
            } else {
                _ = try database.select(fragment)
            }
        }
        #expect(try database.count() == 20)
    }

    /// The full-text prefilter asks for single trigrams: events holding every trigram of a phrase but
    /// not the phrase must still be left out by the exact check, with either kind of index.
    @Test func fullTextPrefilterNarrowsButNeverDecides() throws {
        let messages: [String?] = [
            "credit limit raised", "cre dit li mit", "CREDIT LIMIT", "limit credit", nil, "credit  limit", "über crédit limité",
        ]
        let events = messages.enumerated().map { i, message in
            var e = AuditEvent(time: Self.now, received: Self.now, source: "s", action: "update")
            e.message = message
            if i == 4 { e.entityName = "Credit Limit Policy" }
            return e
        }
        let database = try AgreementDatabase(events: events)
        for (text, expected) in [
            ("\"credit limit\"", Set([0, 2, 4])), ("\"t li\"", Set([0, 1, 2, 4, 6])), ("cred*it", Set([0, 2, 3, 4, 5])),
            ("\"dit li\"", Set([0, 1, 2, 4, 6])), ("\"crédit limit\"", Set([6])), ("ab", Set<Int>()),
        ] {
            let filter = try Filter.parse(text)
            let predicate = filter.predicate(now: Self.now)
            #expect(Set(events.indices.filter { predicate.matches(events[$0]) }) == expected, "memory: \(text)")
            for ftsTable in [nil, "events_fts", "events_fts_full"] {
                let fragment = filter.sql(FilterSQLOptions(now: Self.now, ftsTable: ftsTable))
                #expect(try database.select(fragment) == expected, "\(text) with \(ftsTable ?? "no index")")
            }
        }
    }

    @Test func oversizedAndDeeplyNestedFiltersFailWithAnError() {
        let cases = [
            String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000),
            String(repeating: "not ", count: 10_000) + "a",
            String(repeating: "-", count: 5_000) + "a",
            "actor:" + String(repeating: "(", count: 5_000) + "a",
            String(repeating: "a", count: 1_000_000),
            Array(repeating: "actor:x", count: 2_000).joined(separator: " or "),
        ]
        for text in cases {
            #expect(throws: FilterError.self) { try Filter.parse(text) }
        }
    }

    @Test func largestAcceptedFilterRunsInSQLite() throws {
        let text = (0..<Filter.maximumTerms).map { "actor:user\($0)" }.joined(separator: " or ")
        let nested = String(repeating: "not (", count: Filter.maximumDepth / 2) + "actor:bob"
            + String(repeating: ")", count: Filter.maximumDepth / 2)
        let events = [AuditEvent(time: Self.now, received: Self.now)]
        let database = try AgreementDatabase(events: events)
        for filter in [try Filter.parse(text), try Filter.parse(nested)] {
            let fragment = filter.sql(FilterSQLOptions(now: Self.now))
            let expected = filter.matches(events[0], now: Self.now) ? Set([0]) : []
            #expect(try database.select(fragment) == expected)
        }
    }
}

/// A small deterministic PRNG, so a failing case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Random events and filters

/// Events and filter text over small pools, so that terms often hit and often miss.
enum AgreementGenerator {
    static let actors: [String?] = [
        nil, "alice", "bob", "Bob", "john.smith", "John Smith", "a*b", "x[1]?", "", "élodie", "e\u{301}lodie",
    ]
    static let actions = ["create", "update", "delete", "view", "login", "login_failed", "unparsed"]
    static let kinds: [String?] = [nil, "web", "api", "cron"]
    static let entityTypes: [String?] = [nil, "customer", "order", "Customer"]
    static let entityIDs: [String?] = [nil, "CUST-12345", "CUST-1", "ORD-7", ""]
    static let entityNames: [String?] = [nil, "Acme Corp", "ACME corp", "Credit Union", "ab"]
    static let messages: [String?] = [
        nil, "Credit limit changed", "credit LIMIT raised to 5000", "login failed for bob", "Exported 1000 records",
        "50% off [promo]? *now*", "ÄBC abc", "", "Änderung gespeichert", "quote \" and back\\slash",
    ]
    static let ips: [String?] = [
        nil, "10.1.2.3", "10.255.255.255", "192.0.2.55", "192.0.3.1", "2001:db8::1", "2001:db9::1",
        "::ffff:10.0.0.1", "not-an-ip", "1.2.3.4", "::",
    ]
    static let outcomes: [String?] = [nil, "success", "failure", "unknown"]
    static let statuses: [Int?] = [nil, 200, 404, 500, 503]
    static let durations: [Double?] = [nil, 0.5, 1.5, 2.0, 100, 1000.25]
    static let byteCounts: [Int64?] = [nil, 0, 1000, 5000, -1]
    static let hashes: [[UInt8]?] = [nil, Array(repeating: 0xAB, count: 32), (0..<32).map { UInt8($0) }]
    static let ids = [EventID(high: 1 << 16, low: 7), EventID(high: 2 << 16, low: 9)]
    static let attrValues: [String: [JSONValue]] = [
        "records": [1000, 999, 5000, .double(1000.0), .double(1500.5), "1000", "abc", true, .null],
        "flag": [true, false, "true", .null, 1],
        "name": ["alpha", "Alpha", "al*pha", "", 42, "a\"q"],
        "nested": [["a": 5], ["a": "x"], ["a": ["b": .double(2.5)]], ["a": [1, 2]], ["a": .null]],
        "ratio": [.double(0.5), .double(1e20), .double(-0.0), -3, .double(-2.75)],
    ]

    static func event(_ r: inout SplitMix64, now: Timestamp) -> AuditEvent {
        let offset = Int64.random(in: -10 * 86_400...10 * 86_400, using: &r) * 1_000_000
        let aligned = Bool.random(using: &r) ? offset - offset % 86_400_000_000 : offset
        var e = AuditEvent(
            id: ids.randomElement(using: &r) ?? ids[0], time: now.adding(microseconds: aligned),
            received: now.adding(microseconds: aligned + Int64.random(in: 0...5_000_000, using: &r)),
            source: ["default", "gw"].randomElement(using: &r) ?? "default",
            action: actions.randomElement(using: &r) ?? "view")
        e.kind = kinds.randomElement(using: &r) ?? nil
        e.actor = actors.randomElement(using: &r) ?? nil
        e.entityType = entityTypes.randomElement(using: &r) ?? nil
        e.entityID = entityIDs.randomElement(using: &r) ?? nil
        e.entityName = entityNames.randomElement(using: &r) ?? nil
        e.message = messages.randomElement(using: &r) ?? nil
        e.ip = ips.randomElement(using: &r) ?? nil
        e.outcome = outcomes.randomElement(using: &r) ?? nil
        e.status = statuses.randomElement(using: &r) ?? nil
        e.durationMS = durations.randomElement(using: &r) ?? nil
        e.bytes = byteCounts.randomElement(using: &r) ?? nil
        e.hash = hashes.randomElement(using: &r) ?? nil
        for (key, values) in attrValues where Int.random(in: 0..<3, using: &r) > 0 {
            e.attrs[key] = values.randomElement(using: &r)
        }
        if Bool.random(using: &r) {
            e.changes = [AuditEvent.Change(field: "credit_limit", old: 1000, new: 5000)]
        }
        return e
    }

    static let textTerms = [
        "actor:alice", "actor:Bob", "actor:bob", "actor:\"John Smith\"", "actor:john.*", "actor:*ice", "actor:*o*",
        "actor:\"a*b\"", "actor:\"a\\*b\"", "actor:x[1]?", "actor:\"x[1]*\"", "actor:\"\"", "actor:*", "actor:élodie",
        "action:update", "action:login*", "action:(update or delete)", "action:(login* and not login_failed)",
        "kind:api", "kind:*", "outcome:success", "outcome:(failure or unknown)", "source:gw", "id:*",
        "entity_id:CUST-*", "entity_name:\"Acme Corp\"", "message:*limit*", "message:*", "ip:10.*", "ip:1.2.3.4",
        "entity:customer/CUST-12345", "entity:customer", "entity:*/CUST-*", "entity:Customer/*", "entity:*",
        "hash:*", "hash:abab*", "hash:\(Hex.encode((0..<32).map { UInt8($0) }))", "prev_hash:*",
        "ip:10.0.0.0/8", "ip:192.0.2.0/24", "ip:2001:db8::/32", "ip:::ffff:0:0/96", "ip:0.0.0.0/0", "ip:::/0",
        "ip:10.1.2.3/32", "ip:(10.0.0.0/8 or 192.0.2.0/25)", "ip:*",
        "status:500", "status >= 404", "status < 500", "status:*", "status:(200 or 503)", "status > 499.5",
        "duration_ms > 1.5", "duration_ms <= 2", "duration_ms:2", "duration_ms:1000.25", "bytes >= 1000",
        "bytes < -0.5", "bytes:0", "bytes:*",
        "time >= 2026-01-05", "time < 2026-01-12T06:00:00Z", "time:2026-01-10", "time > 2026-01-09T00:00:00.5+01:00",
        "received <= 2026-01-15", "time:*", "since:2h", "since:3d", "since:1w", "until:30m", "until:2d12h",
        "since:2026-01-08", "until:2026-01-11T00:00:00Z", "since:15m", "since:2w",
        "attrs.records >= 1000", "attrs.records:1000", "attrs.records:1e3", "attrs.records:\"1000\"",
        "attrs.records:10*", "attrs.records < 1000.5", "attrs.records:*", "attrs.records:abc", "attrs.records:true",
        "attrs.flag:true", "attrs.flag:false", "attrs.flag:*", "attrs.flag:t*", "attrs.flag:1", "attrs.name:al*",
        "attrs.name:\"al\\*pha\"", "attrs.name:\"\"", "attrs.name:42", "attrs.name:*2", "attrs.name:\"a\\\"q\"",
        "attrs.nested.a:5", "attrs.nested.a.b > 2", "attrs.nested.a:*", "attrs.nested.a:x", "attrs.nested:*",
        "attrs.ratio:0", "attrs.ratio < 0", "attrs.ratio >= 1e20", "attrs.ratio:0.5", "attrs.ratio:-*",
        "attrs.ratio:-2.75", "attrs.missing:*", "attrs:*", "changes:*",
        "credit", "LIMIT", "\"credit limit\"", "cred*it", "ab", "\"50%\"", "\"[promo]?\"", "abc", "ä", "Ä",
        "\"*now*\"", "\"\"", "acme", "\"\\\"\"", "\"back\\\\slash\"", "*", "exported*records",
    ]

    static func filter(_ r: inout SplitMix64, depth: Int) -> String {
        let choice = depth >= 3 ? 0 : Int.random(in: 0..<10, using: &r)
        switch choice {
        case 0, 1, 2, 3:
            return textTerms.randomElement(using: &r) ?? "*"
        case 4:
            return "\(filter(&r, depth: depth + 1)) \(["or", "OR", "Or"].randomElement(using: &r) ?? "or") "
                + filter(&r, depth: depth + 1)
        case 5:
            return "\(filter(&r, depth: depth + 1)) \(["and", "AND"].randomElement(using: &r) ?? "and") "
                + filter(&r, depth: depth + 1)
        case 6:
            return "\(filter(&r, depth: depth + 1)) \(filter(&r, depth: depth + 1))"
        case 7:
            return "\(["not", "NOT"].randomElement(using: &r) ?? "not") \(filter(&r, depth: depth + 1))"
        case 8:
            return "-\(filter(&r, depth: 3))"
        default:
            return "(\(filter(&r, depth: depth + 1)))"
        }
    }
}

// MARK: - SQLite

/// An in-memory table with the store's event schema and a contentless FTS5 trigram table.
private final class AgreementDatabase {
    private var db: OpaquePointer?

    init(events: [AuditEvent]) throws {
        guard sqlite3_open(":memory:", &db) == SQLITE_OK else { throw AgreementDatabaseError("open") }
        try execute("""
            CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, time INTEGER NOT NULL,
              received INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT, host TEXT, app TEXT, actor TEXT,
              actor_id TEXT, actor_role TEXT, actor_type TEXT, impersonator TEXT, session TEXT, action TEXT NOT NULL,
              category TEXT, entity_type TEXT, entity_id TEXT, entity_name TEXT, outcome TEXT, severity TEXT, ip TEXT,
              ip_bin BLOB, user_agent TEXT, method TEXT, url TEXT, status INTEGER, duration_ms REAL, bytes INTEGER,
              changes TEXT, message TEXT, attrs TEXT, raw TEXT, error TEXT, prev_hash BLOB, hash BLOB)
            """)
        // As partitions are sealed now (no positions), and as they were before (positions kept).
        try execute(
            """
            CREATE VIRTUAL TABLE events_fts USING fts5(
                message, entity_name, content='', tokenize='trigram', detail=none, columnsize=0)
            """)
        try execute("CREATE VIRTUAL TABLE events_fts_full USING fts5(message, entity_name, content='', tokenize='trigram')")
        for (seq, e) in events.enumerated() {
            var changes: SQLValue = .null
            if !e.changes.isEmpty {
                var writer = JSONWriter()
                writer.write(AuditEvent.changesJSON(e.changes))
                changes = .text(writer.string)
            }
            var attrs: SQLValue = .null
            if !e.attrs.isEmpty {
                var writer = JSONWriter()
                writer.write(.object(e.attrs))
                attrs = .text(writer.string)
            }
            func text(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
            let row: [SQLValue] = [
                .int(Int64(seq)), .text(e.id.description), .int(e.time.microseconds), .int(e.received.microseconds),
                .text(e.source), text(e.kind), text(e.host), text(e.app), text(e.actor), text(e.actorID),
                text(e.actorRole), text(e.actorType), text(e.impersonator), text(e.session), .text(e.action),
                text(e.category), text(e.entityType), text(e.entityID), text(e.entityName), text(e.outcome),
                text(e.severity), text(e.ip), e.ip.flatMap { IPAddress.parse($0) }.map { .blob($0.bytes) } ?? .null,
                text(e.userAgent), text(e.method), text(e.url), e.status.map { .int(Int64($0)) } ?? .null,
                e.durationMS.map(SQLValue.double) ?? .null, e.bytes.map(SQLValue.int) ?? .null, changes,
                text(e.message), attrs, text(e.raw), text(e.error), e.prevHash.map(SQLValue.blob) ?? .null,
                e.hash.map(SQLValue.blob) ?? .null,
            ]
            let marks = Array(repeating: "?", count: row.count).joined(separator: ", ")
            _ = try rows("INSERT INTO events VALUES (\(marks))", row)
            for table in ["events_fts", "events_fts_full"] {
                _ = try rows(
                    "INSERT INTO \(table)(rowid, message, entity_name) VALUES (?, ?, ?)",
                    [.int(Int64(seq)), text(e.message), text(e.entityName)])
            }
        }
    }

    deinit { sqlite3_close(db) }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw AgreementDatabaseError(String(cString: sqlite3_errmsg(db)))
        }
    }

    /// The `seq` of every row the fragment selects.
    func select(_ fragment: SQLFragment) throws -> Set<Int> {
        Set(try rows("SELECT seq FROM events WHERE \(fragment.sql)", fragment.bindings).map { Int($0) })
    }

    func count() throws -> Int { Int(try rows("SELECT count(*) FROM events", []).first ?? -1) }

    /// Runs `sql`, returning the first column of each row as an integer.
    private func rows(_ sql: String, _ bindings: [SQLValue]) throws -> [Int64] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw AgreementDatabaseError("\(String(cString: sqlite3_errmsg(db))) in \(sql)")
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .int(let n): sqlite3_bind_int64(statement, position, n)
            case .double(let d): sqlite3_bind_double(statement, position, d)
            case .text(let s):
                let bytes = Array(s.utf8) + [0]
                bytes.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress.map { base in
                        base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                            _ = vigil_bind_text(statement, position, $0, Int32(bytes.count - 1))
                        }
                    }
                }
            case .blob(let b):
                let bytes = b + [0]
                bytes.withUnsafeBytes { _ = vigil_bind_blob(statement, position, $0.baseAddress, Int32(b.count)) }
            }
        }
        var out: [Int64] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                throw AgreementDatabaseError("\(String(cString: sqlite3_errmsg(db))) in \(sql)")
            }
            out.append(sqlite3_column_int64(statement, 0))
        }
        return out
    }
}

private struct AgreementDatabaseError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
