import ArgumentParser
import Foundation
import VigilServer

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file and explain every mistake with its file, line and field."
    )

    @Argument(help: "The configuration file (default: --config, $VIGIL_CONFIG, or Config/vigil.yaml).")
    var file: String?

    @Option(name: .long, help: "The configuration file.")
    var config: String?

    func run() throws {
        let path = file ?? config ?? ProcessInfo.processInfo.environment["VIGIL_CONFIG"] ?? "Config/vigil.yaml"
        do {
            let configuration = try ConfigurationLoader.load(file: path)
            try ServerBuilder.validate(configuration, file: path)
            print("\(path): OK (\(configuration.listeners.count) listeners, \(configuration.routes.count) routes)")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
