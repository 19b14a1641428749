import ArgumentParser
import Foundation
import VigilCore
import VigilParsers
import VigilServer

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill existing logs (plain or .gz) with their original times.",
        discussion: """
            Every line of every FILE goes through PARSER (lines it cannot read are stored as `unparsed`
            with the error, so nothing is lost). Events are written straight into the data directory, or,
            while a daemon holds it, sent to that daemon, so the hash chain stays one chain.
            Example: vigil import /var/log/auth.log /var/log/auth.log.2.gz --parser auth
            """
    )

    @Argument(help: "Log files, plain or gzip-compressed.")
    var files: [String]

    @Option(name: .long, help: "The parser for these lines (\(ParserRegistry.names.joined(separator: ", "))).")
    var parser: String

    @Option(name: .long, help: "The `source` of the imported events (default: import).")
    var source: String = "import"

    @Option(name: .long, help: "Time zone of timestamps without one (IANA name).")
    var timeZone: String = "UTC"

    @Option(name: .long, help: "Send to this daemon (http://HOST:PORT) instead of writing the data directory.")
    var server: String?

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        guard let zone = TimeZone(identifier: timeZone) else { throw ValidationError("unknown time zone '\(timeZone)'") }
        let processor: LineProcessor
        do {
            let instance = try ParserRegistry.make(
                name: parser, configuration: ParserConfiguration(options: configuration.parsers[parser] ?? [:]))
            processor = LineProcessor(
                routes: [LineProcessor.Route(parser: parser, requireParser: true, source: source, timeZone: zone)],
                parsers: [parser: instance])
        } catch {
            throw ValidationError("\(error)")
        }
        let delivery = try EventDelivery(configuration: configuration, server: server)
        let progress = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        var total = 0
        var unparsed = 0
        for file in files {
            let reader = try LineFileReader(path: file)
            var batch: [AuditEvent] = []
            while let line = try reader.nextLine() {
                guard !line.isEmpty else { continue }
                let event = processor.process(ReceivedLine(bytes: line, received: .now(), listener: "import"))
                if event.action == AuditEvent.unparsedAction { unparsed += 1 }
                batch.append(event)
                if batch.count == 5_000 {
                    try await delivery.deliver(batch)
                    total += batch.count
                    batch.removeAll(keepingCapacity: true)
                    progress.show(file: file, done: reader.consumed, of: reader.size, lines: total)
                }
            }
            try await delivery.deliver(batch)
            total += batch.count
            progress.show(file: file, done: reader.size, of: reader.size, lines: total)
            progress.end()
        }
        await delivery.finish()
        print("imported \(total) lines from \(files.count) file(s) into \(delivery.description) (\(unparsed) unparsed)")
    }
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar {
    let enabled: Bool
    private var last = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func show(file: String, done: Int64, of total: Int64, lines: Int) {
        guard enabled, Date().timeIntervalSince(last) > 0.1 || done >= total else { return }
        last = Date()
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let name = (file as NSString).lastPathComponent
        FileHandle.standardError.write(Data("\r\(name) [\(bar)] \(Int(fraction * 100))% \(lines) lines".utf8))
    }

    func end() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
