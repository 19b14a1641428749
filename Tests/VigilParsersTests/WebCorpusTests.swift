import Foundation
import Testing
import VigilCore
import VigilParsers

/// The visible web corpus (nginx, Apache, HAProxy) through ``LineProcessor`` with a route to each parser,
/// as a bare line and behind an nginx-style syslog header, compared per FIELDS.md.
@Suite struct WebCorpusTests {
    static let received = Timestamp(year: 2026, month: 11, day: 22, hour: 10, minute: 0, second: 0) ?? Timestamp(microseconds: 0)

    /// Cases the parsers do not match, with the reason. Empty: every visible valid case matches.
    static let knownDifferences: [String: String] = [:]

    struct Case: Sendable, CustomStringConvertible {
        var kind: String
        var corpus: CorpusCase
        var description: String { corpus.id }
    }

    static let kinds: [(kind: String, parser: String)] = [
        ("nginx_access", NginxParser.name), ("nginx_error", NginxParser.name), ("apache_access", ApacheParser.name),
        ("apache_error", ApacheParser.name), ("haproxy", HAProxyParser.name),
    ]

    static let cases: [Case] = kinds.flatMap { kind in
        loadCorpus(kind.kind).map { Case(kind: kind.kind, corpus: $0) }
    }

    static func loadCorpus(_ kind: String) -> [CorpusCase] {
        let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/corpus")
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("\(kind).jsonl")) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let object = (try? JSONParser.parse(Array(line)))?.objectValue else { return nil }
            var bytes = Array((object["input"]?.stringValue ?? "").utf8)
            if let base64 = object["input_base64"]?.stringValue, let raw = Data(base64Encoded: base64) { bytes = Array(raw) }
            var valid: Bool?
            if case .bool(let flag)? = object["valid"] { valid = flag }
            return CorpusCase(
                id: object["id"]?.stringValue ?? "?", origin: object["origin"]?.stringValue ?? "", bytes: bytes,
                valid: valid, expected: object["expected"]?.objectValue ?? [:])
        }
    }

    static let processor: LineProcessor = {
        var parsers: [String: any SourceParser] = [:]
        parsers[NginxParser.name] = try? NginxParser(configuration: ParserConfiguration())
        parsers[ApacheParser.name] = try? ApacheParser(configuration: ParserConfiguration())
        parsers[HAProxyParser.name] = try? HAProxyParser(configuration: ParserConfiguration())
        let routes = [NginxParser.name, ApacheParser.name, HAProxyParser.name].map {
            LineProcessor.Route(listener: $0, parser: $0, requireParser: true)
        }
        return LineProcessor(routes: routes, parsers: parsers)
    }()

    static func process(_ bytes: [UInt8], parser: String) -> AuditEvent {
        processor.process(ReceivedLine(bytes: bytes, received: received, listener: parser))
    }

    static func parserName(_ kind: String) -> String { kinds.first { $0.kind == kind }?.parser ?? "" }

    @Test func corpusIsPresent() {
        #expect(Self.cases.count == 31)
    }

    @Test(arguments: cases.filter { $0.corpus.valid == true && knownDifferences[$0.corpus.id] == nil })
    func validCaseYieldsExpectedFields(_ testCase: Case) {
        let parser = Self.parserName(testCase.kind)
        let event = Self.process(testCase.corpus.bytes, parser: parser)
        #expect(event.action != AuditEvent.unparsedAction, "\(testCase): \(event.error ?? "")")
        let mismatches = WebFieldComparison.mismatches(event, testCase.corpus.expected)
        #expect(mismatches.isEmpty, "\(testCase): \(mismatches)")

        // The same line as `access_log syslog:` sends it, when it came without a header.
        let first = testCase.corpus.bytes.first ?? 0
        guard first != UInt8(ascii: "<"), !(first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z")) else { return }
        let wrapped = Array("<190>Nov 22 10:00:00 web1 \(parser): ".utf8) + testCase.corpus.bytes
        let viaSyslog = Self.process(wrapped, parser: parser)
        #expect(viaSyslog.app == parser && viaSyslog.host == "web1")
        let syslogMismatches = WebFieldComparison.mismatches(viaSyslog, testCase.corpus.expected)
            .filter { !$0.hasPrefix("appname") && !$0.hasPrefix("procid") }
        #expect(syslogMismatches.isEmpty, "\(testCase) via syslog: \(syslogMismatches)")
    }

    @Test(arguments: cases.filter { $0.corpus.valid == false })
    func invalidCaseIsUnparsed(_ testCase: Case) {
        let event = Self.process(testCase.corpus.bytes, parser: Self.parserName(testCase.kind))
        #expect(event.action == AuditEvent.unparsedAction && event.error != nil && event.raw != nil)
    }

    @Test func everyWebEventIsKindWebWithAnOutcome() {
        for testCase in Self.cases where testCase.corpus.valid == true {
            let event = Self.process(testCase.corpus.bytes, parser: Self.parserName(testCase.kind))
            #expect(event.kind == "web", "\(testCase)")
            if event.action != "error" { #expect(event.outcome != nil, "\(testCase)") }
        }
    }

    /// Every prefix of every corpus line, and the Apache sample file: errors or events, never a crash.
    @Test func truncatedLinesNeverCrash() {
        for testCase in Self.cases {
            let parser = Self.parserName(testCase.kind)
            let bytes = testCase.corpus.bytes
            for end in stride(from: 0, to: bytes.count, by: 1) {
                let event = Self.process(Array(bytes[..<end]), parser: parser)
                #expect(event.action == AuditEvent.unparsedAction || event.error == nil)
            }
        }
        let samples = CorpusCase.load("sample").filter { $0.expected["file"] == "loghub-Apache_2k.log" }
        for sample in samples {
            let event = Self.process(sample.bytes, parser: ApacheParser.name)
            #expect(event.action == "error", "\(sample.id): \(event.error ?? "")")
        }
    }
}
