import ArgumentParser
import Foundation

/// The `vigil` command: the daemon (`serve`) and its clients.
public struct VigilCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Audit-trail ingestion daemon: who did what, when, from where — with proof.",
        subcommands: [
            ServeCommand.self, QueryCommand.self, TailCommand.self, SendCommand.self, ParseCommand.self, ImportCommand.self,
            ReparseCommand.self, RunCommand.self, FlushCommand.self, AlertsCommand.self, RulesCommand.self,
            CheckConfigCommand.self, TokenCommand.self, UserCommand.self, VerifyCommand.self, ArchiveCommand.self, KeygenCommand.self,
        ]
    )

    public init() {}

    /// Parses the arguments and runs the chosen command, awaiting asynchronous ones (`serve`).
    public static func runMain() async {
        // `vigil run` wraps every cron job: a plain invocation skips ArgumentParser's reflection over
        // the whole command tree (a third of the wrapper's start-up); anything unusual goes the long way.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == RunCommand.configuration.commandName, let run = RunInvocation.parse(Array(arguments.dropFirst())) {
            let status = run.execute()
            fflush(nil)
            Foundation.exit(status)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options shared by commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $VIGIL_CONFIG, else the embedded default).")
    var config: String?

    @Option(name: .long, help: "Data directory (overrides the configuration).")
    var dataDir: String?
}
