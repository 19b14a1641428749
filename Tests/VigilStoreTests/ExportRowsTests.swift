import Foundation
import Logging
import Testing
import VigilCore
import VigilPipeline
import VigilStore

/// Export rows are written from the columns; they must say exactly what the events say.
@Suite struct ExportRowsTests {
    @Test func csvCellsThatASpreadsheetWouldRunAreNeutralised() {
        func cell(_ value: String) -> String {
            var out: [UInt8] = []
            ExportRows.appendCell(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(cell("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(cell("+1+1") == "\"'+1+1\"")
        #expect(cell("-2+3") == "\"'-2+3\"")
        #expect(cell("@SUM(A1)") == "\"'@SUM(A1)\"")
        #expect(cell("\tcmd") == "\"'\tcmd\"")
        #expect(cell("plain") == "plain")
        #expect(cell("a,b") == "\"a,b\"")
        #expect(cell("line\nbreak") == "\"line\nbreak\"")
        #expect(cell("") == "")
    }

    /// Events with every kind of field, stored, then exported as JSONL and CSV.
    static func exported() throws -> (events: [AuditEvent], jsonl: String, csv: String) {
        let dir = EventStoreTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = EventStoreTests.base
        let writer = try StoreWriter(directory: dir, options: StoreOptions(partitionEvents: 3), logger: Logger(label: "test"), now: base)
        var chain = HashChain()
        var ids = EventIDGenerator()
        var events: [AuditEvent] = []
        for i in 0..<7 {
            let t = base.adding(microseconds: Int64(i) * 1_500_000)
            var e = AuditEvent(id: ids.next(at: t), time: t, received: t.adding(microseconds: 250), source: "app", action: "update")
            e.kind = "web"
            e.actor = i == 2 ? "=evil()" : "john, \"the\" admin"
            e.entityType = "customer"
            e.entityID = "CUST-\(i)"
            e.ip = "192.0.2.\(i)"
            e.status = i % 2 == 0 ? 200 : nil
            e.durationMS = i % 3 == 0 ? 12.5 : nil
            e.bytes = i == 4 ? 123_456_789 : nil
            e.message = "line one\nline two é"
            e.changes = i % 2 == 0 ? [.init(field: "email", old: "a@example.com", new: "b@example.com")] : []
            e.attrs = i % 3 == 0 ? [:] : ["records": .int(Int64(i)), "ratio": .double(0.5), "nested": ["k": "v"]]
            e.error = i == 5 ? "boom" : nil
            chain.link(&e)
            events.append(e)
        }
        try writer.append(events, now: base)
        writer.waitForSealing()
        let reader = StoreReader(directory: dir)
        func all(_ format: ExportFormat) throws -> String {
            var bytes = ExportRows.header(format)
            var cursor: EventCursor?
            repeat {
                let page = try reader.exportPage(.all, format: format, limit: 2, before: cursor, now: base)
                bytes += page.bytes
                cursor = try page.nextCursor.map { text throws(StoreError) in try EventCursor(text) }
            } while cursor != nil
            return String(decoding: bytes, as: UTF8.self)
        }
        let result = (events, try all(.jsonl), try all(.csv))
        writer.close()
        return result
    }

    @Test func csvCellsAreQuotedWhereverTheSpecialCharacterStands() {
        for special in [",", "\"", "\n", "\r"] {
            for length in 1...19 {
                for position in 0..<length {
                    var text = ""
                    for i in 0..<length { text += i == position ? special : (i == 0 ? "a" : "é") }
                    var out: [UInt8] = []
                    ExportRows.appendCell(text, to: &out)
                    // A leading CR is also one of the characters a spreadsheet acts on: neutralised with `'`.
                    let neutralised = text.hasPrefix("\r") ? "'" : ""
                    let expected = "\"" + neutralised + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    #expect(String(decoding: out, as: UTF8.self) == expected, "\(Array(text.utf8))")
                }
            }
        }
        var plain: [UInt8] = []
        ExportRows.appendCell("alice.smith@example.com updated 12 fields", to: &plain)
        #expect(String(decoding: plain, as: UTF8.self) == "alice.smith@example.com updated 12 fields")
    }

    @Test func jsonlLinesAreTheCanonicalEventsWithTheirChain() throws {
        let (events, jsonl, _) = try Self.exported()
        let expected = events.reversed().map { String(decoding: $0.jsonBytes(includeChain: true), as: UTF8.self) + "\n" }
        #expect(jsonl == expected.joined())
        let decoded = try jsonl.split(separator: "\n").map { try AuditEvent(json: Array($0.utf8)) }
        #expect(decoded == Array(events.reversed()))
    }

    @Test func csvHasOneRowPerEventWithEveryColumn() throws {
        let (events, _, csv) = try Self.exported()
        let lines = csv.components(separatedBy: "\r\n").dropLast()
        #expect(lines.first == ExportRows.csvColumns.joined(separator: ","))
        // Newest first; messages hold a newline inside quotes, so rows are counted by their id cell.
        for e in events { #expect(csv.contains("\r\n\(e.id.description),\(e.time.rfc3339),\(e.received.rfc3339),app,web,")) }
        #expect(csv.components(separatedBy: "\r\n01").count - 1 == events.count)
        #expect(csv.contains(",\"'=evil()\","), "a formula is neutralised")
        #expect(csv.contains(",\"john, \"\"the\"\" admin\","))
        #expect(csv.contains(",\"line one\nline two é\","))
        #expect(csv.contains(#","[{""field"":""email"",""new"":""b@example.com"",""old"":""a@example.com""}]","#))
        #expect(csv.contains(#","{""nested"":{""k"":""v""},""ratio"":0.5,""records"":1}","#))
        #expect(csv.contains(",200,12.5,,"))
        #expect(csv.contains(",123456789,"))
        #expect(csv.contains(",boom,"))
        let newest = try #require(events.last)
        #expect(csv.contains("," + Hex.encode(newest.hash ?? []) + "\r\n"))
    }
}
