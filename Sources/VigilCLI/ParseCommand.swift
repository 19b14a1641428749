import ArgumentParser
import Foundation
import VigilCore
import VigilParsers
import VigilPipeline
import VigilServer

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Show how lines become events: the route and parser that took each line, and its event as JSON.",
        discussion: """
            Nothing is stored or sent. With --parser, every line goes to that parser (a line it cannot read
            shows as `unparsed` with the error); otherwise the configuration's routes decide, as in the daemon.
            Reads LINE, or every line of standard input.
            """
    )

    @Option(name: .long, help: "Use only this parser (\(ParserRegistry.names.joined(separator: ", "))).")
    var parser: String?

    @Option(name: .long, help: "The listener the lines seem to arrive on (routes can match on it).")
    var listener: String = "tcp"

    @OptionGroup var options: ConfigOptions

    @Argument(help: "A line to parse; without it, standard input is read.")
    var line: [String] = []

    func run() throws {
        let configuration = try options.load()
        let processor: LineProcessor
        let redactor: Redactor
        let dropRules: DropRules
        do {
            redactor = try ServerBuilder.makeRedactor(configuration)
            dropRules = try ServerBuilder.makeDropRules(configuration)
            if let parser {
                let options = ParserConfiguration(options: configuration.parsers[parser] ?? [:])
                let instance = try ParserRegistry.make(name: parser, configuration: options)
                processor = LineProcessor(
                    routes: [LineProcessor.Route(parser: parser, requireParser: true)], parsers: [parser: instance])
            } else {
                processor = try ServerBuilder.makeProcessor(configuration)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        let received = Timestamp.now()
        func show(_ text: String) {
            var trace = processor.trace(ReceivedLine(bytes: Array(text.utf8), received: received, listener: listener))
            _ = redactor.redact(&trace.event)
            var w = JSONWriter()
            w.raw("{\"route\":")
            w.write(trace.isFallback ? "default" : "routes[\(trace.routeIndex)]")
            w.raw(",\"parser\":")
            w.write(trace.route.parser)
            if let rule = dropRules.firstMatch(trace.event) {
                w.raw(",\"dropped_by\":")
                w.write(dropRules.names[rule])
            }
            w.raw(",\"event\":")
            trace.event.encode(into: &w, includeChain: false)
            w.raw("}")
            print(w.string)
        }
        if !line.isEmpty {
            show(line.joined(separator: " "))
        } else {
            while let text = readLine(strippingNewline: true) { show(text) }
        }
    }
}
