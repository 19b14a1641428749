import ArgumentParser
import Foundation
import VigilServer

extension ConfigOptions {
    /// The configuration from `--config`, `$VIGIL_CONFIG` or the embedded default, with overrides applied
    /// and relative paths resolved against the working directory.
    func load() throws -> VigilConfiguration {
        try Self.load(config: config, dataDir: dataDir)
    }

    static func load(config: String?, dataDir: String?) throws -> VigilConfiguration {
        var configuration = VigilConfiguration()
        if let path = config ?? ProcessInfo.processInfo.environment["VIGIL_CONFIG"] {
            do {
                configuration = try ConfigurationLoader.load(file: path)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if let dataDir { configuration.dataDirectory = dataDir }
        return configuration.resolvingPaths(relativeTo: FileManager.default.currentDirectoryPath)
    }
}
