import Testing
import VigilCore
import VigilPipeline

@Suite struct RedactorTests {
    static let jwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkJvYiJ9"
        + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

    static func event() -> AuditEvent {
        AuditEvent(
            id: EventID(high: 42, low: 7), time: Timestamp(microseconds: 1_705_314_600_000_000),
            received: Timestamp(microseconds: 1_705_314_600_100_000), source: "web", action: "view")
    }

    /// Runs every rule of `redactor` on one free-text string.
    static func redacted(_ text: String, _ redactor: Redactor) -> (text: String, report: RedactionReport) {
        var report = RedactionReport(ruleCount: redactor.ruleNames.count)
        return (redactor.redact(text: text, report: &report) ?? text, report)
    }

    static func redacted(_ text: String) throws -> String {
        redacted(text, try Redactor()).text
    }

    // MARK: - password_fields

    @Test func nginxAccessLineQueryPasswordIsMaskedInRawAndURL() throws {
        let redactor = try Redactor()
        var e = Self.event()
        e.url = "/login?password=hunter2&user=bob"
        e.raw =
            #"192.0.2.10 - bob [15/Jan/2024:10:30:00 +0000] "GET /login?password=hunter2&user=bob HTTP/1.1" "#
            + #"200 612 "-" "curl/8.5.0""#
        let report = redactor.redact(&e)
        #expect(e.url == "/login?password=[REDACTED]&user=bob")
        #expect(
            e.raw == #"192.0.2.10 - bob [15/Jan/2024:10:30:00 +0000] "GET /login?password=[REDACTED]&user=bob "#
                + #"HTTP/1.1" 200 612 "-" "curl/8.5.0""#)
        #expect(report.count(of: .passwordFields) == 2)
        #expect(report.total == 2)
    }

    @Test(arguments: [
        (#"{"user":{"name":"bob","password":"x"}}"#, #"{"user":{"name":"bob","password":"[REDACTED]"}}"#),
        (#"{"passwd": "s3cr3t!", "ok": true}"#, #"{"passwd": "[REDACTED]", "ok": true}"#),
        (#"{"pin":1234,"cvv":123}"#, #"{"pin":1234,"cvv":"[REDACTED]"}"#),
        (#"{"password":null}"#, #"{"password":null}"#),
        (#"body={\"password\":\"hunter2\"}"#, #"body={\"password\":\"[REDACTED]\"}"#),
        ("mysqldump --password=Pa55w0rd! shop", "mysqldump --password=[REDACTED] shop"),
        ("ldap bind dn=admin passwd: Tr0ub4dor done", "ldap bind dn=admin passwd: [REDACTED] done"),
        ("form user[password]=abc123&user[email]=a@b.c", "form user[password]=[REDACTED]&user[email]=a@b.c"),
        ("client_secret=9f8e7d&grant_type=x", "client_secret=[REDACTED]&grant_type=x"),
        ("if password == hunter2 then", "if password == [REDACTED] then"),
        ("password==x1", "password=[REDACTED]"),
        ("password2=abc password=", "password2=[REDACTED] password="),
        ("new_password='s3cret pass' PWD = qwerty", "new_password='[REDACTED]' PWD = [REDACTED]"),
    ])
    func passwordFieldsInFreeText(input: String, expected: String) throws {
        #expect(try Self.redacted(input) == expected)
    }

    @Test func nestedAttrsPasswordIsReplacedWholeAndSiblingsKept() throws {
        var e = Self.event()
        e.attrs = [
            "user": ["name": "bob", "password": "x", "profile": ["pwd": 12345, "age": 41]],
            "form": ["fields": [["name": "email"], ["new_password": ["a", "b"]]]],
        ]
        let report = try Redactor().redact(&e)
        #expect(e.attrs["user"]?["password"] == "[REDACTED]")
        #expect(e.attrs["user"]?["name"] == "bob")
        #expect(e.attrs["user"]?["profile"]?["pwd"] == "[REDACTED]")
        #expect(e.attrs["user"]?["profile"]?["age"] == 41)
        #expect(e.attrs["form"]?["fields"]?.arrayValue?[1]["new_password"] == "[REDACTED]")
        #expect(report.count(of: .passwordFields) == 3)
    }

    /// A value replaced whole by its name, or kept because its name is generic, may hold secrets under
    /// names of their own or in arrays: those are scrubbed from the free text as well, in one walk.
    @Test func secretsInsideValuesAreScrubbedFromTheRawLine() throws {
        let redactor = try Redactor()
        let nested = "tok_ABCDEFGH12345678"
        let listed = ["abcd1234", "efgh5678"]
        let generic = "0123456789abcdefXYZ"
        var e = Self.event()
        e.attrs = [
            "cookie": ["session_token": .string(nested), "theme": "dark"],
            "password": .array(listed.map { .string($0) }),
            "key": .array([.string(generic), "short"]),
            "plain": ["keep": "visible-value"],
        ]
        e.raw = "raw \(nested) \(listed[0]) \(listed[1]) \(generic) visible-value"
        e.message = "note: \(generic)"
        let report = redactor.redact(&e)
        #expect(e.raw == "raw [REDACTED] [REDACTED] [REDACTED] [REDACTED] visible-value")
        #expect(e.message == "note: [REDACTED]")
        #expect(e.attrs["cookie"] == "[REDACTED]")
        #expect(e.attrs["password"] == "[REDACTED]")
        #expect(e.attrs["key"] == .array([.string(generic), "short"]))
        #expect(e.attrs["plain"] == ["keep": "visible-value"])
        #expect(report.didRedact)
    }

    @Test func changesToAPasswordFieldAreMasked() throws {
        var e = Self.event()
        e.action = "password_change"
        e.changes = [
            .init(field: "password", old: "0ldS3cret", new: "n3wS3cret"),
            .init(field: "credit_limit", old: 1000, new: 5000),
            .init(field: "note", old: nil, new: "reset with token=abcdefghijklmnopqrstuvwxyz"),
        ]
        let report = try Redactor().redact(&e)
        #expect(e.changes[0] == .init(field: "password", old: "[REDACTED]", new: "[REDACTED]"))
        #expect(e.changes[1] == .init(field: "credit_limit", old: 1000, new: 5000))
        #expect(e.changes[2].new == "reset with token=[REDACTED]")
        #expect(report.count(of: .passwordFields) == 2)
        #expect(report.count(of: .apiKeys) == 1)
        #expect(e.action == "password_change")
    }

    // MARK: - bearer_tokens

    @Test func authorizationHeadersInAttrs() throws {
        var e = Self.event()
        e.attrs = [
            "headers": ["Authorization": .string("Bearer " + Self.jwt), "Accept": "*/*", "Cookie": "sid=abc123"],
            "request_headers": .string("Host: shop.example\r\nAuthorization: Bearer \(Self.jwt)\r\nAccept: */*"),
        ]
        let report = try Redactor().redact(&e)
        #expect(e.attrs["headers"]?["Authorization"] == "[REDACTED]")
        #expect(e.attrs["headers"]?["Cookie"] == "[REDACTED]")
        #expect(e.attrs["headers"]?["Accept"] == "*/*")
        #expect(e.attrs["request_headers"] == "Host: shop.example\r\nAuthorization: Bearer [REDACTED]\r\nAccept: */*")
        #expect(report.count(of: .bearerTokens) == 3)
    }

    @Test(arguments: [
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED]"),
        (#"{"authorization":"Bearer abc.def.ghi"}"#, #"{"authorization":"Bearer [REDACTED]"}"#),
        ("proxy-authorization: Negotiate YIIGhgYGKwYB", "proxy-authorization: Negotiate [REDACTED]"),
        ("called upstream with bearer 0123456789abcdef ok", "called upstream with bearer [REDACTED] ok"),
        ("Cookie: sid=38afes7a8; theme=dark\nNext: 1", "Cookie: [REDACTED]\nNext: 1"),
        ("jwt \(jwt) in text", "jwt [REDACTED] in text"),
        ("the bearer of bad news", "the bearer of bad news"),
        ("eyJust kidding.eyJ", "eyJust kidding.eyJ"),
    ])
    func bearerTokensInFreeText(input: String, expected: String) throws {
        #expect(try Self.redacted(input) == expected)
    }

    // MARK: - api_keys

    @Test(arguments: [
        ("GET /v1/items?api_key=ab12&page=2", "GET /v1/items?api_key=[REDACTED]&page=2"),
        ("X-API-Key: 5f0c7a9e", "X-API-Key: [REDACTED]"),
        ("/cb?access_token=ya29.a0Af&state=1", "/cb?access_token=[REDACTED]&state=1"),
        (#"{"refresh_token": "r1"}"#, #"{"refresh_token": "[REDACTED]"}"#),
        ("maps?key=AIzaSyD-1234567890abcdefghij&q=x", "maps?key=[REDACTED]&q=x"),
        ("sort?key=name&dir=asc", "sort?key=name&dir=asc"),
        ("list?next_token=abc", "list?next_token=abc"),
        ("s3?X-Amz-Signature=0123456789abcdef0123", "s3?X-Amz-Signature=[REDACTED]"),
    ])
    func apiKeysInFreeText(input: String, expected: String) throws {
        #expect(try Self.redacted(input) == expected)
    }

    // MARK: - card_numbers

    @Test(arguments: [
        ("paid with 4111 1111 1111 1111 today", "paid with ************1111 today"),
        ("paid with 4111-1111-1111-1111.", "paid with ************1111."),
        ("pan=4111111111111111&x=1", "pan=************1111&x=1"),
        ("amex 378282246310005", "amex ***********0005"),
        ("mc 5555 5555 5555 4444, visa 4012888888881881", "mc ************4444, visa ************1881"),
        ("2024-01-15 4111 1111 1111 1111", "2024-01-15 ************1111"),
        ("order 4111111111111112 shipped", "order 4111111111111112 shipped"),
        ("order 1234567812345678 shipped", "order 1234567812345678 shipped"),
        ("ts=20240115103000123 epoch=1705314600123", "ts=20240115103000123 epoch=1705314600123"),
        ("trace 4111111111111111111111 id", "trace 4111111111111111111111 id"),
        ("sku X4111111111111111", "sku X4111111111111111"),
    ])
    func cardNumbers(input: String, expected: String) throws {
        #expect(try Self.redacted(input) == expected)
    }

    @Test func cardNumberKeysAreReplacedWhole() throws {
        var e = Self.event()
        e.attrs = ["payment": ["card_number": "4111 1111 1111 1111", "cvv": 737, "amount": 19.99]]
        let report = try Redactor().redact(&e)
        #expect(e.attrs["payment"]?["card_number"] == "[REDACTED]")
        #expect(e.attrs["payment"]?["cvv"] == "[REDACTED]")
        #expect(e.attrs["payment"]?["amount"] == 19.99)
        #expect(report.count(of: .cardNumbers) == 2)
    }

    // MARK: - Configuration

    @Test func disablingABuiltInLeavesItsMatches() throws {
        let redactor = try Redactor(disabledBuiltIns: ["card_numbers"])
        let result = Self.redacted("card 4111 1111 1111 1111 password=x", redactor)
        #expect(result.text == "card 4111 1111 1111 1111 password=[REDACTED]")
        var e = Self.event()
        e.attrs = ["card_number": "4111111111111111"]
        #expect(!redactor.redact(&e).didRedact)
        #expect(e.attrs["card_number"] == "4111111111111111")
    }

    @Test func userRulesReplaceMatchesOnlyInTheirFields() throws {
        let redactor = try Redactor(rules: [
            RedactionRule(name: "ssn", pattern: #"\d{3}-\d{2}-\d{4}"#, replacement: "***", fields: ["message"]),
            RedactionRule(name: "iban", pattern: #"DE\d{20}"#, contains: "DE"),
            RedactionRule(name: "client_ip", pattern: #"^\d+\.\d+\.\d+\.\d+$"#, fields: ["ip"]),
        ])
        #expect(
            redactor.ruleNames == [
                "password_fields", "bearer_tokens", "api_keys", "card_numbers", "ssn", "iban", "client_ip",
            ])
        var e = Self.event()
        e.message = "SSN 123-45-6789 and 987-65-4321 on file"
        e.raw = "SSN 123-45-6789 iban DE89370400440532013000"
        e.ip = "192.0.2.10"
        e.attrs = ["note": "pay to DE89370400440532013000"]
        let report = redactor.redact(&e)
        #expect(e.message == "SSN *** and *** on file")
        #expect(e.raw == "SSN 123-45-6789 iban [REDACTED]")
        #expect(e.attrs["note"] == "pay to [REDACTED]")
        #expect(e.ip == "[REDACTED]")
        #expect(report.count(at: 4) == 2)
        #expect(report.count(at: 5) == 2)
        #expect(report.count(at: 6) == 1)
    }

    @Test func configurationMistakesNameTheRule() {
        let bad = [RedactionRule(name: "ok", pattern: "a+"), RedactionRule(name: "broken", pattern: "(unclosed")]
        do {
            _ = try Redactor(rules: bad)
            Issue.record("expected an error")
        } catch {
            guard case .invalidPattern(index: 1, name: "broken", let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(!reason.isEmpty)
            #expect(error.path == "rules[1].pattern")
            #expect(error.description.hasPrefix("Redaction rule 1 (\"broken\") has an invalid pattern: "))
        }
        func failure(_ rules: [RedactionRule], disabling: [String] = []) -> RedactionError? {
            do {
                _ = try Redactor(rules: rules, disabledBuiltIns: disabling)
                return nil
            } catch { return error }
        }
        #expect(failure([RedactionRule(name: "ok", pattern: "x", fields: ["raw", "session"])]) == nil)
        #expect(failure([RedactionRule(name: "e", pattern: "a*")])?.path == "rules[0].pattern")
        #expect(
            failure([RedactionRule(name: "f", pattern: "a", fields: ["time"])])
                == .unknownField(index: 0, name: "f", field: "time"))
        #expect(failure([RedactionRule(name: "api_keys", pattern: "a")])?.path == "rules[0].name")
        #expect(
            failure([RedactionRule(name: "a", pattern: "a"), RedactionRule(name: "a", pattern: "b")])?.path
                == "rules[1].name")
        #expect(failure([RedactionRule(name: "c", pattern: "a", contains: "")]) == .emptyLiteral(index: 0, name: "c"))
        #expect(failure([], disabling: ["cards"]) == .unknownBuiltIn(index: 0, name: "cards"))
    }
}
