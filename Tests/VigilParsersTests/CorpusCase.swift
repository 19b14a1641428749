import Foundation
import VigilCore

/// One line of `Tests/Fixtures/corpus/<kind>.jsonl` (format: `/work/shared/corpus/FIELDS.md`).
struct CorpusCase: Sendable, CustomStringConvertible {
    var id: String
    var origin: String
    var bytes: [UInt8]
    var valid: Bool?
    var expected: [String: JSONValue]

    var description: String { id }

    /// go-syslog compares whole structs: a field absent from `expected` must be nil.
    var absentMeansNil: Bool { origin.hasPrefix("influxdata/go-syslog") }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/corpus")

    static func load(_ kind: String) -> [CorpusCase] {
        let url = directory.appendingPathComponent("\(kind).jsonl")
        guard let data = try? Data(contentsOf: url) else { return [] }
        var cases: [CorpusCase] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let value = try? JSONParser.parse(Array(line)), let object = value.objectValue else { continue }
            var bytes = Array((object["input"]?.stringValue ?? "").utf8)
            if let base64 = object["input_base64"]?.stringValue, let raw = Data(base64Encoded: base64) {
                bytes = Array(raw)
            }
            var valid: Bool?
            if case .bool(let flag)? = object["valid"] { valid = flag }
            cases.append(
                CorpusCase(
                    id: object["id"]?.stringValue ?? "?", origin: object["origin"]?.stringValue ?? "",
                    bytes: bytes, valid: valid, expected: object["expected"]?.objectValue ?? [:]))
        }
        return cases
    }
}
