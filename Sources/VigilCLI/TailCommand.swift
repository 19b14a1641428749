import ArgumentParser
import Foundation
import VigilCore

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow the daemon's live stream of normalised events (like journalctl -f)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Filter expression (empty: everything).")
    var filter: [String] = []

    @Option(name: .shortAndLong, help: "Output format: text (aligned, coloured on a terminal) or json.")
    var output: Format = .text

    @Option(name: .long, help: "The daemon's HTTP address (default: from the configuration).")
    var server: String?

    @Flag(name: .long, help: "Never colour the output.")
    var noColor = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let url = try server ?? defaultServer()
        guard let client = HTTPClient(url: url, dataDirectory: (try? options.load())?.dataDirectory) else { throw ValidationError("--server must be http://HOST:PORT") }
        let color = !noColor && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        var pending: [UInt8] = []
        var failure: String?
        let response = try client.request(method: "GET", path: "/api/v1/tail?q=" + percentEncode(filter.joined(separator: " "))) {
            bytes in
            pending += bytes
            while let newline = pending.firstIndex(of: 10) {
                let line = Array(pending[..<newline])
                pending.removeFirst(newline + 1)
                guard !line.isEmpty else { continue }
                // Written unbuffered, so a pipe sees each event as it arrives.
                if output == .json {
                    FileHandle.standardOutput.write(Data(line + [10]))
                } else if let event = try? AuditEvent(json: line) {
                    FileHandle.standardOutput.write(Data((EventFormatter.textLine(event, color: color) + "\n").utf8))
                } else {
                    failure = String(decoding: line, as: UTF8.self)
                }
            }
        }
        if response.status != 200 {
            let message = (try? JSONParser.parse(pending))?["error"]?["message"]?.stringValue
            throw ValidationError(message ?? failure ?? "the daemon answered HTTP \(response.status)")
        }
    }

    func defaultServer() throws -> String {
        let configuration = try options.load()
        guard let http = configuration.http else {
            throw ValidationError("the configuration has no HTTP listener; pass --server http://HOST:PORT")
        }
        let host = http.host == "0.0.0.0" ? "127.0.0.1" : (http.host == "::" ? "::1" : http.host)
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(http.port)"
    }
}
