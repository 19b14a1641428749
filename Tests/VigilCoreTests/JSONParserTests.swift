import Foundation
import Testing
import VigilCore

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("7", .int(7)), ("-42", .int(-42)),
        ("123456789012345678", .int(123_456_789_012_345_678)), ("-12345678901234567", .int(-12_345_678_901_234_567)),
        ("-123456789012345678", .int(-123_456_789_012_345_678)), ("9223372036854775807", .int(Int64.max)),
        ("-9223372036854775808", .int(Int64.min)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.5", .double(1.5)), ("-2e3", .double(-2000)),
    ])
    func parsesIntegersOfEveryLengthExactly(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
        #expect(try JSONParser.parse("{\"n\":\(text)}")["n"] == expected)
    }

    @Test func parsesAnObjectsMembersInOrderWithRepeats() throws {
        func members(_ text: String) throws -> [(key: String, value: JSONValue)]? {
            var text = text
            return try text.withUTF8 { try JSONParser.parseMembers(buffer: $0) }
        }
        let parsed = try #require(try members(#" {"b":1,"a":{"x":[true]},"b":"two"} "#))
        #expect(parsed.map(\.key) == ["b", "a", "b"])
        #expect(parsed.map(\.value) == [1, ["x": [true]], "two"])
        #expect(try members("[1,2]") == nil)
        #expect(try members(#""text""#) == nil)
        #expect(try members("{}")?.isEmpty == true)
        #expect(throws: JSONParser.Error.self) { try members(#"{"a":1} x"#) }
        #expect(throws: JSONParser.Error.self) { try members(#"{"a":}"#) }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#)
        #expect(value["a"] == .array([.int(1), .double(-2500), .bool(true), .bool(false), .null, .string("x\né😀")]))
        #expect(value["b"] == .object([:]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", ".5", "\"\u{01}\"", "[1] x", "tru", "\"\\x\"", "{\"a\":1,}", "-",
        "[\"\\u12\"]", "NaN",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func limitsNestingInsteadOfCrashing() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    /// The `jsonl` kind of the shared corpus: valid texts parse, invalid ones are rejected.
    @Test func agreesWithTheJSONCorpus() throws {
        let cases = try CorpusFile.load("jsonl")
        #expect(cases.count > 50)
        var failures: [String] = []
        for c in cases {
            let accepted = (try? JSONParser.parse(c.bytes)) != nil
            if let valid = c.valid, valid != accepted { failures.append(c.id) }
        }
        #expect(failures.isEmpty, "disagreements: \(failures)")
    }

    @Test func writerRoundTripsAndSortsKeys() throws {
        let value: JSONValue = ["z": 1, "a": ["q\"\\\u{7}", 2.5, nil, true]]
        var writer = JSONWriter()
        writer.write(value)
        #expect(writer.string == #"{"a":["q\"\\\u0007",2.5,null,true],"z":1}"#)
        #expect(try JSONParser.parse(writer.bytes) == value)
    }
}

/// A case of the shared acceptance corpus (copied under Tests/Fixtures/corpus).
struct CorpusFile {
    var id: String
    var valid: Bool?
    var bytes: [UInt8]

    static func load(_ kind: String) throws -> [CorpusFile] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/corpus/\(kind).jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let value = try JSONParser.parse(String(line))
            let bytes: [UInt8]
            if let b64 = value["input_base64"]?.stringValue, let data = Data(base64Encoded: b64) {
                bytes = Array(data)
            } else {
                bytes = Array((value["input"]?.stringValue ?? "").utf8)
            }
            var valid: Bool?
            if case .bool(let v)? = value["valid"] { valid = v }
            return CorpusFile(id: value["id"]?.stringValue ?? "?", valid: valid, bytes: bytes)
        }
    }
}
