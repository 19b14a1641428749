import ArgumentParser
import Foundation
import VigilArchive
import VigilCore
import VigilStore

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Search stored events, newest first.",
        discussion: """
            FILTER uses the filter language, e.g. 'actor:john action:(update or delete) since:2h'.
            Reads the data directory directly, or a running daemon with --server.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Argument(help: "Filter expression (empty: everything).")
    var filter: [String] = []

    @Option(name: .long, help: "Maximum number of events.")
    var limit: Int = 100

    @Option(name: .shortAndLong, help: "Output format: table, json (one object per line) or csv.")
    var output: Format = .table

    @Option(name: .long, help: "Continue after this cursor (printed by a previous page).")
    var before: String?

    @Option(name: .long, help: "Ask a running daemon instead of reading the data directory (http://HOST:PORT).")
    var server: String?

    @Flag(name: .long, help: "Search the archive segments too (store and archives as one; the store's copy wins).")
    var archives = false

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        let text = filter.joined(separator: " ")
        let events: [AuditEvent]
        var next: String?
        if let server {
            (events, next) = try remote(server, text)
        } else {
            let parsed: Filter
            do {
                parsed = try Filter.parse(text)
            } catch {
                throw ValidationError("\(error)")
            }
            let configuration = try options.load()
            let reader = StoreReader(directory: configuration.dataDirectory + "/store")
            let cursor = try before.map { text throws(StoreError) in try EventCursor(text) }
            let page = try reader.query(parsed, limit: limit, before: cursor, now: .now())
            events = page.events.map(\.event)
            next = page.nextCursor
            if archives {
                let archive = configuration.archive.path(dataDirectory: configuration.dataDirectory)
                let merged = try ArchiveQuery.merge(
                    store: events, archive: archive, cipher: try configuration.archive.loadCipher(), filter: parsed, limit: limit,
                    now: .now())
                return print(render(merged), terminator: "")
            }
        }
        print(render(events), terminator: "")
        if let next, output == .table, events.count == limit {
            FileHandle.standardError.write(Data("more: --before \(next)\n".utf8))
        }
    }

    func render(_ events: [AuditEvent]) -> String {
        switch output {
        case .table: return events.isEmpty ? "no events\n" : EventFormatter.table(events) + "\n"
        case .json: return events.map { $0.jsonString + "\n" }.joined()
        case .csv: return EventFormatter.csvHeader() + "\n" + events.map { EventFormatter.csvRow($0) + "\n" }.joined()
        }
    }

    func remote(_ url: String, _ text: String) throws -> ([AuditEvent], String?) {
        guard let client = HTTPClient(url: url, dataDirectory: (try? options.load())?.dataDirectory) else { throw ValidationError("--server must be http://HOST:PORT") }
        var path = "/api/v1/events?limit=\(limit)&q=" + percentEncode(text)
        if let before { path += "&before=" + percentEncode(before) }
        let (response, body) = try client.fetch(path: path)
        let value = try JSONParser.parse(body)
        guard response.status == 200 else {
            throw ValidationError(value["message"]?.stringValue ?? value["error"]?["message"]?.stringValue ?? "HTTP \(response.status)")
        }
        let events = try (value["events"]?.arrayValue ?? []).map { item throws(AuditEvent.DecodingError) in
            try AuditEvent(jsonValue: item)
        }
        return (events, value["next"]?.stringValue)
    }
}

/// Percent-encodes a query-string value.
func percentEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.append(Character(Unicode.Scalar(byte)))
        default:
            out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
        }
    }
    return out
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
