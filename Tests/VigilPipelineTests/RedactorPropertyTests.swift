import Testing
import VigilCore
import VigilPipeline

/// Properties over generated events: secrets never survive, clean data is never touched.
@Suite struct RedactorPropertyTests {
    /// SplitMix64: deterministic, so a failure replays.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^*_-+.~/=")

    static func secret(_ rng: inout SeededGenerator) -> String {
        let length = Int.random(in: 8...24, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng) ?? "x" })
    }

    /// A secret placed one way or another in an otherwise ordinary event.
    static func event(hiding s: String, template: Int) -> AuditEvent {
        var e = AuditEvent(
            id: EventID(high: 1, low: UInt64(template)), time: Timestamp(microseconds: 1_705_314_600_000_000),
            received: Timestamp(microseconds: 1_705_314_600_000_001), source: "web", action: "login")
        e.actor = "bob"
        e.ip = "192.0.2.10"
        switch template {
        case 0: e.message = "login attempt password=\(s) from console"
        case 1: e.url = "/api/orders?api_key=\(s)&page=2"
        case 2: e.raw = #"{"ts":"2024-01-15T10:30:00Z","user":{"name":"bob","password":"\#(s)"}}"#
        case 3: e.attrs = ["headers": ["Authorization": .string("Bearer \(s)"), "Accept": "*/*"]]
        case 4: e.raw = "<134>1 2024-01-15T10:30:00Z gw api - - GET /x Authorization: Bearer \(s) status=200"
        case 5: e.attrs = ["request": ["query": ["token": .string(s)]]]
        case 6: e.changes = [.init(field: "password", old: .string(s), new: .string(s + "2"))]
        case 7: e.message = "Cookie: sid=\(s); theme=dark"
        case 8: e.userAgent = "curl/8 (access_token=\(s))"
        case 9: e.attrs = ["body": .string(#"{"user":{"passwd":"\#(s)"}}"#)]
        case 10: e.error = "bad request: secret: \(s)"
        default: e.attrs = ["cmd": .string("mysql -u root --password=\(s) shop")]
        }
        return e
    }

    @Test func generatedSecretsNeverSurviveInTheJSON() throws {
        let redactor = try Redactor()
        var rng = SeededGenerator(state: 0x5EC2E7)
        for round in 0..<600 {
            let s = Self.secret(&rng)
            let template = round % 12
            var e = Self.event(hiding: s, template: template)
            let report = redactor.redact(&e)
            let json = e.jsonString
            #expect(!json.contains(s), "template \(template) leaked \(s): \(json)")
            #expect(report.didRedact, "template \(template)")
            #expect(e.id == EventID(high: 1, low: UInt64(template)))
            #expect(e.time == Timestamp(microseconds: 1_705_314_600_000_000))
            #expect(e.action == "login")
        }
    }

    static let cleanEvents: [AuditEvent] = {
        func make(_ edit: (inout AuditEvent) -> Void) -> AuditEvent {
            var e = AuditEvent(
                id: EventID(high: 9, low: 9), time: Timestamp(microseconds: 1_705_314_600_123_456),
                received: Timestamp(microseconds: 1_705_314_600_223_456), source: "nginx", action: "view")
            edit(&e)
            return e
        }
        return [
            make {
                $0.kind = "web"
                $0.actor = "john.smith"
                $0.method = "GET"
                $0.url = "/admin/customer/index/edit/id/12345/?key=abc&sort=name"
                $0.status = 200
                $0.raw =
                    #"192.0.2.1 - john.smith [15/Jan/2024:10:30:00 +0000] "GET /admin/customer/12345 HTTP/1.1" "#
                    + #"200 5316 "https://shop.example/admin/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0" 0.042"#
                $0.userAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
                $0.ip = "2001:db8::1"
            },
            make {
                $0.action = "password_change"
                $0.message = "User bob changed password; token rotation scheduled at 2024-01-15 10:30:00"
                $0.entityType = "customer"
                $0.entityID = "CUST-12345"
                $0.changes = [
                    .init(field: "credit_limit", old: 1000, new: 5000), .init(field: "email", old: "a@b.c", new: nil),
                ]
            },
            make {
                $0.action = "job_end"
                $0.attrs = [
                    "exit_code": 0, "records": 1234, "order_id": "1234567812345678", "duration": 1.5,
                    "syslog": [
                        "facility": "cron", "procid": "4242", "structured_data": ["meta": ["seq": "20240115103000123"]],
                    ],
                    "command": "backup --target /var/backups --keep 7", "cache_key": "user:12345:profile",
                    "pagination": ["next_token": "abc"], "password_changed": true,
                ]
            },
            make {
                $0.action = "unparsed"
                $0.raw =
                    "Jan 15 10:30:00 host sshd[4242]: Accepted publickey for bob from 192.0.2.10 port 52144 ssh2: "
                    + "RSA SHA256:4111111111111111abcdefg"
                $0.error = "no parser accepted the line: expected '{' at column 1"
            },
        ]
    }()

    @Test(arguments: cleanEvents)
    func cleanEventsStayByteIdentical(event: AuditEvent) throws {
        let redactor = try Redactor(rules: [RedactionRule(name: "ssn", pattern: #"\d{3}-\d{2}-\d{4}"#, contains: "SSN")]
        )
        var copy = event
        let report = redactor.redact(&copy)
        #expect(!report.didRedact)
        #expect(report.counts.isEmpty)
        #expect(copy == event)
        #expect(copy.jsonString == event.jsonString)
    }

    @Test func redactionIsIdempotent() throws {
        let redactor = try Redactor()
        var rng = SeededGenerator(state: 77)
        for template in 0..<12 {
            var e = Self.event(hiding: Self.secret(&rng), template: template)
            _ = redactor.redact(&e)
            let once = e
            let again = redactor.redact(&e)
            #expect(e == once, "template \(template)")
            #expect(!again.didRedact, "template \(template)")
        }
    }
}
