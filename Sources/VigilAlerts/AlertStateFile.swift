import Foundation
import VigilCore

/// Where the rule engine's window state survives restarts: `DATA_DIR/alerts/state.json`, replaced
/// atomically (written to a temporary file, then renamed) so a crash leaves the previous snapshot.
public struct AlertStateFile: Sendable {
    public let path: String

    public init(dataDirectory: String) {
        path = dataDirectory + "/alerts/state.json"
    }

    /// The saved snapshot, or nil when there is none or it cannot be read.
    public func load() -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONParser.parse(Array(data))
    }

    public func save(_ snapshot: JSONValue) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var writer = JSONWriter(capacity: 4096)
        writer.write(snapshot)
        let temporary = path + ".tmp"
        try Data(writer.bytes).write(to: URL(fileURLWithPath: temporary))
        if rename(temporary, path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
