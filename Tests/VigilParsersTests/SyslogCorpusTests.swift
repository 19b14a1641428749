import Foundation
import Testing
import VigilCore
import VigilParsers

/// The visible acceptance corpus, compared per FIELDS.md.
@Suite struct SyslogCorpusTests {
    /// A receive time far from New Year, so year-less dates keep the year they read.
    static let reference = Timestamp(year: 2024, month: 6, day: 15, hour: 12, minute: 0, second: 0) ?? Timestamp(microseconds: 0)

    /// syslog-ng leniency this parser does not copy, with the reason. Empty: every visible valid case matches.
    static let knownDifferences: [String: String] = [:]

    /// Invalid RFC 5424 frames that format auto-detection reads as something else. They are flagged when
    /// the listener expects RFC 5424 (as the corpus kind says), which is how `invalidCaseIsFlagged` runs.
    static let acceptedByAutoDetection: [String: String] = [
        "go-syslog/rfc5424/machine_test/011": "no '<' at all: a header-less line",
        "go-syslog/rfc5424/machine_test/024": "'<1>3a': BSD syslog without timestamp, message '3a'",
        "go-syslog/rfc5424/machine_test/027": "'<1>5 A': BSD syslog without timestamp, message '5 A'",
    ]

    static let syslogCases = ["rfc5424", "rfc3164", "syslog_file"].flatMap(CorpusCase.load)
    static let validCases = syslogCases.filter { $0.valid == true && knownDifferences[$0.id] == nil }
    static let invalidCases = syslogCases.filter { $0.valid == false }

    static func parse(_ bytes: [UInt8], format: SyslogMessage.Format? = nil) -> SyslogMessage {
        SyslogHeaderParser.parse(bytes, options: SyslogParserOptions(reference: reference, expectedFormat: format))
    }

    @Test func corpusIsPresent() {
        #expect(Self.syslogCases.count == 97)
        #expect(CorpusCase.load("sample").count == 3742)
    }

    @Test(arguments: validCases)
    func validCaseYieldsExpectedFields(_ corpusCase: CorpusCase) {
        let message = Self.parse(corpusCase.bytes)
        #expect(message.error == nil, "\(corpusCase.id): \(message.error ?? "")")
        let mismatches = SyslogComparison.mismatches(
            message, corpusCase.expected, absentMeansNil: corpusCase.absentMeansNil, bytes: corpusCase.bytes)
        #expect(mismatches.isEmpty, "\(corpusCase.id): \(mismatches)")
    }

    @Test(arguments: invalidCases)
    func invalidCaseIsFlagged(_ corpusCase: CorpusCase) {
        let message = Self.parse(corpusCase.bytes, format: .rfc5424)
        #expect(message.error != nil, "\(corpusCase.id) was accepted")
        // go-syslog's best-effort fields; `message` differs by design (it holds the whole frame).
        if let partial = corpusCase.expected["partial"]?.objectValue {
            let mismatches = SyslogComparison.mismatches(
                message, partial, absentMeansNil: true, bytes: corpusCase.bytes, ignoring: ["message"])
            #expect(mismatches.isEmpty, "\(corpusCase.id): \(mismatches)")
        }
        let detected = Self.parse(corpusCase.bytes)
        #expect(detected.error != nil || Self.acceptedByAutoDetection[corpusCase.id] != nil, "\(corpusCase.id)")
    }

    @Test func sampleLinesParseWithoutCrashing() {
        var formats: [SyslogMessage.Format: Int] = [:]
        for corpusCase in CorpusCase.load("sample") {
            let message = Self.parse(corpusCase.bytes)
            formats[message.format, default: 0] += 1
            _ = Self.parse(corpusCase.bytes, format: .rfc5424)
            _ = Self.parse(corpusCase.bytes, format: .rfc3164)
        }
        #expect(formats.values.reduce(0, +) == 3742)
    }
}
