import Foundation
import Testing
import VigilTestSupport

/// `vigil serve` as a real child process on free loopback ports.
final class DaemonProcess {
    static var binary: String {
        ProcessInfo.processInfo.environment["VIGIL_BINARY"]
            ?? TestSupport.repositoryRoot.appendingPathComponent(".build/debug/vigil").path
    }

    let directory: String
    let tcp = TestSupport.freePort()
    let udp = TestSupport.freePort(udp: true)
    let http = TestSupport.freePort()
    private(set) var process = Process()
    private var log = Pipe()
    /// Appended to `serve`'s arguments (e.g. `--config FILE`).
    var extraArguments: [String] = []

    init(directory: String) {
        self.directory = directory
    }

    var arguments: [String] {
        [
            "serve", "--data-dir", directory, "--tcp", "127.0.0.1:\(tcp)", "--udp", "127.0.0.1:\(udp)",
            "--http", "127.0.0.1:\(http)", "--unix", directory + "/vigil.sock", "--unix-dgram", directory + "/log.sock",
        ] + extraArguments
    }

    func start() async throws {
        process = Process()
        log = Pipe()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let up = await TestSupport.waitUntil {
            (try? TestSupport.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(self.http)/healthz"]).status) == 0
        }
        try #require(up, "vigil serve did not come up")
    }

    /// Sends SIGTERM and returns the daemon's log once it exited.
    func terminate() -> String {
        process.terminate()
        process.waitUntilExit()
        return String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Runs a client subcommand of the same binary.
    static func client(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
        try TestSupport.run(binary, arguments, input: input)
    }
}

extension DaemonProcess {
    /// SIGKILL: no shutdown, no drain — a crash as far as the store is concerned.
    func kill9() {
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
