import Foundation
import VigilCore
import VigilParsers

/// Per-parser fixtures: `Tests/Fixtures/<source>/<case>.log` (one line per event) and `<case>.json`
/// (`{"options": {...}, "expected": [{event field: value}, ...]}`; `null` means the field is absent).
enum WebFixture {
    static let received = Timestamp(year: 2026, month: 11, day: 22, hour: 12, minute: 0, second: 0) ?? Timestamp(microseconds: 0)

    /// The repository root, found through the real path of this file (the test target may be a symlink).
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Fixture {
        var options: [String: JSONValue]
        var lines: [[UInt8]]
        var expected: [[String: JSONValue]]
    }

    static func load(_ source: String, _ name: String) -> Fixture {
        let directory = root.appendingPathComponent("Tests/Fixtures/\(source)")
        let log = (try? Data(contentsOf: directory.appendingPathComponent("\(name).log"))) ?? Data()
        let json = (try? Data(contentsOf: directory.appendingPathComponent("\(name).json"))) ?? Data()
        let object = (try? JSONParser.parse(Array(json)))?.objectValue ?? [:]
        var options = object["options"]?.objectValue ?? [:]
        if let file = options.removeValue(forKey: "templates_file")?.stringValue {
            options.merge(templateFile(file)) { _, new in new }
        }
        let expected = object["expected"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let lines = log.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        return Fixture(options: options, lines: lines, expected: expected)
    }

    /// Reads a template file such as `Config/templates/magento2-admin.yaml`, whose values are written in
    /// JSON-compatible flow style: `key: <json>` at the top level and `  - <json>` items under `templates:`.
    static func templateFile(_ relativePath: String) -> [String: JSONValue] {
        let text = (try? String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)) ?? ""
        var options: [String: JSONValue] = [:]
        var templates: [JSONValue] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed.hasPrefix("- ") {
                if let value = try? JSONParser.parse(String(trimmed.dropFirst(2))) { templates.append(value) }
            } else if let colon = trimmed.firstIndex(of: ":") {
                let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty, let parsed = try? JSONParser.parse(value) {
                    options[String(trimmed[..<colon])] = parsed
                }
            }
        }
        options["templates"] = .array(templates)
        return options
    }

    static func processor(_ parser: any SourceParser, name: String) -> LineProcessor {
        LineProcessor(routes: [LineProcessor.Route(listener: "web", parser: name, requireParser: true)], parsers: [name: parser])
    }

    static func process(_ processor: LineProcessor, _ bytes: [UInt8]) -> AuditEvent {
        processor.process(ReceivedLine(bytes: bytes, received: received, listener: "web"))
    }

    /// Differences between an event and the expected fields (`attrs.x` paths allowed).
    static func mismatches(_ event: AuditEvent, _ expected: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        for key in expected.keys.sorted() {
            let want = expected[key] ?? .null
            let got = event.value(forField: key)
            if want == .null {
                if let got { problems.append("\(key): expected none, got \(got)") }
                continue
            }
            if case .string = want {
            } else if let a = want.numberValue, let b = got?.numberValue, abs(a - b) < 1e-6 {
                continue
            }
            if !WebFieldComparison.equivalent(want, got) {
                problems.append("\(key): expected \(want), got \(got.map { "\($0)" } ?? "nil")")
            }
        }
        return problems
    }
}
