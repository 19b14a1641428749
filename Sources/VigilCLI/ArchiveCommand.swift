import ArgumentParser
import Foundation
import Logging
import VigilArchive
import VigilCore
import VigilServer

struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "List, search, import and rotate the gzip JSONL archive segments.",
        subcommands: [ArchiveListCommand.self, ArchiveSearchCommand.self, ArchiveImportCommand.self, ArchiveRotateCommand.self]
    )
}

struct ArchiveListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Closed segments, oldest first.")

    @Flag(name: .long, help: "One manifest per line as JSON.")
    var json = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        let directory = ArchiveDirectory(path: configuration.archive.path(dataDirectory: configuration.dataDirectory))
        let manifests = try directory.manifests()
        if json {
            for m in manifests { print(String(decoding: m.encoded(), as: UTF8.self)) }
            return
        }
        guard !manifests.isEmpty else {
            print("no segments")
            return
        }
        print("SEGMENT                  EVENTS        SEQ                 FIRST TIME                   LAST TIME                    SIZE      SIGNED")
        for m in manifests {
            let size = (try? FileManager.default.attributesOfItem(atPath: directory.segmentPath(m))[.size] as? NSNumber)?.int64Value ?? 0
            let fields: [String] = [
                m.segment.padding(toLength: 24, withPad: " ", startingAt: 0), String(m.count).padding(toLength: 13, withPad: " ", startingAt: 0),
                "\(m.firstSeq)-\(m.lastSeq)".padding(toLength: 19, withPad: " ", startingAt: 0),
                m.firstTime.padding(toLength: 28, withPad: " ", startingAt: 0), m.lastTime.padding(toLength: 28, withPad: " ", startingAt: 0),
                ByteCountFormatter.string(fromByteCount: size, countStyle: .binary).padding(toLength: 9, withPad: " ", startingAt: 0),
                m.signature == nil ? "no" : "yes",
            ]
            print(fields.joined(separator: " "))
        }
    }
}

struct ArchiveSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the archive segments (streaming; only segments whose time range matches are read).")

    @Argument(help: "Filter expression (empty: everything).")
    var filter: [String] = []

    @Option(name: .long, help: "Only events at or after this time (RFC 3339, date, or a duration back from now: 2h, 30d).")
    var since: String?

    @Option(name: .long, help: "Only events before this time.")
    var until: String?

    @Option(name: .long, help: "Stop after this many events.")
    var limit: Int?

    @Option(name: .shortAndLong, help: "Output format: table, json or csv.")
    var output: QueryCommand.Format = .json

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        let filter = try ArchiveFilterText.compose(filter.joined(separator: " "), since: since, until: until)
        let now = Timestamp.now()
        let predicate = filter.predicate(now: now)
        let bounds = filter.timeBounds(now: now)
        let search = ArchiveSearch(directory: configuration.archive.path(dataDirectory: configuration.dataDirectory))
        let progress = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let cipher = try configuration.archive.loadCipher()
        var found = 0
        var table: [AuditEvent] = []
        if output == .csv { print(EventFormatter.csvHeader()) }
        for manifest in try search.segments(lower: bounds.lower, upper: bounds.upper) {
            try ArchiveSearch.forEachEvent(
                inSegment: search.directory.segmentPath(manifest), cipher: cipher,
                progress: { done, total in progress.show(file: manifest.segment, done: done, of: total, lines: found) }
            ) { event in
                guard predicate.matches(event) else { return true }
                found += 1
                switch output {
                case .json: print(event.jsonString)
                case .csv: print(EventFormatter.csvRow(event))
                case .table: table.append(event)
                }
                return limit.map { found < $0 } ?? true
            }
            if let limit, found >= limit { break }
        }
        progress.end()
        if output == .table { print(table.isEmpty ? "no events" : EventFormatter.table(table)) }
    }
}

/// `--since`/`--until` become filter terms, so the same time bounds choose segments and events.
enum ArchiveFilterText {
    static func compose(_ text: String, since: String?, until: String?) throws -> Filter {
        var parts: [String] = []
        if !text.trimmingCharacters(in: .whitespaces).isEmpty { parts.append("(" + text + ")") }
        if let since { parts.append("since:" + since) }
        if let until { parts.append("until:" + until) }
        do {
            return try Filter.parse(parts.joined(separator: " "))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct ArchiveImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a segment's events back into the store for investigation.",
        discussion: """
            The events are appended as new events (new ids, new chain links) with attrs.archived_id and
            attrs.archived_segment naming the originals. Writes the data directory, or the daemon holding it.
            """)

    @Argument(help: "Segment file (.jsonl.gz).")
    var segment: String

    @Option(name: .long, help: "Send to this daemon (http://HOST:PORT) instead of writing the data directory.")
    var server: String?

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let delivery = try EventDelivery(configuration: configuration, server: server)
        let progress = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let name = (segment as NSString).lastPathComponent
        var events: [AuditEvent] = []
        try ArchiveSearch.forEachEvent(inSegment: segment, cipher: try configuration.archive.loadCipher()) { event in
            var copy = event
            copy.attrs["archived_id"] = .string(event.id.description)
            copy.attrs["archived_segment"] = .string(name)
            copy.prevHash = nil
            copy.hash = nil
            events.append(copy)
            return true
        }
        var done = 0
        for start in stride(from: 0, to: events.count, by: 5_000) {
            let batch = Array(events[start..<min(events.count, start + 5_000)])
            try await delivery.deliver(batch)
            done += batch.count
            progress.show(file: name, done: Int64(done), of: Int64(events.count), lines: done)
        }
        progress.end()
        await delivery.finish()
        print("imported \(events.count) events from \(name) into \(delivery.description)")
    }
}

struct ArchiveRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Close the current segment now (through the daemon when one runs).")

    @Option(name: .long, help: "The daemon (http://HOST:PORT); default: the configured HTTP address when a daemon runs.")
    var server: String?

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        if let server { return try remote(server) }
        var logger = Logger(label: "vigil")
        logger.logLevel = .warning
        let archiver: Archiver
        do {
            archiver = try Archiver(
                storeDirectory: configuration.dataDirectory + "/store",
                archiveDirectory: configuration.archive.path(dataDirectory: configuration.dataDirectory),
                options: try configuration.archive.segmentOptions(), retention: nil, logger: logger, submitReceipts: { _ in false })
        } catch ArchiveError.locked {
            guard let http = configuration.http else { throw ValidationError("a daemon holds the archive and has no HTTP port") }
            let host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host
            return try remote("http://\(SendAddress.bracket(host)):\(http.port)")
        }
        if let manifest = try await archiver.rotate(now: .now()) {
            print("closed \(manifest.segment): \(manifest.count) events, seq \(manifest.firstSeq)-\(manifest.lastSeq)")
        } else {
            print("nothing to close: every event is already in a closed segment")
        }
    }

    private func remote(_ url: String) throws {
        guard let client = HTTPClient(url: url, dataDirectory: (try? options.load())?.dataDirectory) else { throw ValidationError("--server must be http://HOST:PORT") }
        let (response, body) = try client.fetch(method: "POST", path: "/api/v1/archive/rotate")
        let value = try JSONParser.parse(body)
        guard response.status == 200 else {
            throw ValidationError(value["error"]?["message"]?.stringValue ?? "HTTP \(response.status)")
        }
        if let closed = value["closed"], let name = closed["segment"]?.stringValue {
            print("closed \(name): \(closed["count"]?.intValue ?? 0) events, seq \(closed["first_seq"]?.intValue ?? 0)-\(closed["last_seq"]?.intValue ?? 0)")
        } else {
            print("nothing to close: every event is already in a closed segment")
        }
    }
}
