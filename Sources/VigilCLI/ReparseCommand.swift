import ArgumentParser
import Foundation
import VigilCore
import VigilParsers
import VigilServer
import VigilStore

struct ReparseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reparse",
        abstract: "Run the current routes over stored `unparsed` events and append what they now parse to.",
        discussion: """
            After fixing or adding a parser: every stored event matching `action:unparsed` and FILTER is
            run through the configured routes again (or --parser). Each one that now parses is appended as
            a new event with `attrs.reparsed_from` = the original id. The originals stay: the log is append-only.
            """
    )

    @Argument(help: "Filter selecting which unparsed events to retry (empty: all).")
    var filter: [String] = []

    @Option(name: .long, help: "Use this parser instead of the configured routes.")
    var parser: String?

    @Option(name: .long, help: "Send to this daemon (http://HOST:PORT) instead of writing the data directory.")
    var server: String?

    @Flag(name: .long, help: "Only count what would be reparsed.")
    var dryRun = false

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let text = filter.joined(separator: " ")
        let selection: Filter
        do {
            selection = try Filter.parse(text.isEmpty ? "action:unparsed" : "action:unparsed and (\(text))")
        } catch {
            throw ValidationError("\(error)")
        }
        let processor: LineProcessor
        do {
            if let parser {
                let instance = try ParserRegistry.make(
                    name: parser, configuration: ParserConfiguration(options: configuration.parsers[parser] ?? [:]))
                processor = LineProcessor(routes: [LineProcessor.Route(parser: parser, requireParser: true)], parsers: [parser: instance])
            } else {
                processor = try ServerBuilder.makeProcessor(configuration)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        // Collect first, then append: the new events must not be read back as candidates.
        let reader = StoreReader(directory: configuration.dataDirectory + "/store")
        var candidates: [AuditEvent] = []
        var cursor: EventCursor?
        repeat {
            let page = try reader.query(selection, limit: 1_000, before: cursor, now: .now())
            candidates += page.events.map(\.event)
            cursor = try page.nextCursor.map { text throws(StoreError) in try EventCursor(text) }
        } while cursor != nil
        var reparsed: [AuditEvent] = []
        for original in candidates.reversed() {
            guard let raw = original.raw else { continue }
            var event = processor.process(
                ReceivedLine(bytes: Array(raw.utf8), received: original.received, listener: original.source))
            guard event.action != AuditEvent.unparsedAction else { continue }
            event.attrs["reparsed_from"] = .string(original.id.description)
            reparsed.append(event)
        }
        if dryRun {
            print("\(reparsed.count) of \(candidates.count) unparsed events would parse now")
            return
        }
        let delivery = try EventDelivery(configuration: configuration, server: server)
        for start in stride(from: 0, to: reparsed.count, by: 5_000) {
            try await delivery.deliver(Array(reparsed[start..<min(start + 5_000, reparsed.count)]))
        }
        await delivery.finish()
        print("reparsed \(reparsed.count) of \(candidates.count) unparsed events into \(delivery.description)")
    }
}
