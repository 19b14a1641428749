import Dispatch
import Foundation
import VigilCore

/// Runs a program for each alert with the alert's JSON (one line) on standard input, and
/// `VIGIL_ALERT_RULE`, `VIGIL_ALERT_SEVERITY`, `VIGIL_ALERT_GROUP` in its environment. Exit status 0
/// counts as delivered; a program still running after `timeout` is killed and counts as a failure.
public struct CommandNotifier: Notifier {
    public static let kind = "command"
    public let name: String
    let arguments: [String]
    let timeout: Double

    public init(name: String, options: NotifierOptions) throws(AlertError) {
        try options.allowOnly(["command", "timeout"])
        self.name = name
        guard let command = try options.strings("command"), let program = command.first, !program.isEmpty else {
            throw options.fail("command", "is required: the program and its arguments, as a list")
        }
        guard program.hasPrefix("/") || program.hasPrefix(".") else {
            throw options.fail("command", "give the program's path ('\(program)' is not a path)")
        }
        arguments = command
        timeout = try options.seconds("timeout") ?? 30
    }

    public func send(_ alert: Alert) async throws(AlertError) {
        let input = alert.jsonBytes + [10]
        let notifier = self
        try await NotifierOptions.runBlocking { () throws(AlertError) in
            try notifier.run(input: input, alert: alert)
        }
    }

    func run(input: [UInt8], alert: Alert) throws(AlertError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_ALERT_RULE"] = alert.rule
        environment["VIGIL_ALERT_SEVERITY"] = alert.severity
        environment["VIGIL_ALERT_GROUP"] = alert.group
        process.environment = environment
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do {
            try process.run()
        } catch {
            throw .deliveryFailed(notifier: name, reason: "cannot start \(arguments[0]): \(error.localizedDescription)")
        }
        // A program that exits without reading its input must not kill us with SIGPIPE: write() fails instead.
        signal(SIGPIPE, SIG_IGN)
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try? stdin.fileHandleForWriting.close()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            throw .deliveryFailed(notifier: name, reason: "\(arguments[0]) did not finish within \(timeout) s")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .deliveryFailed(notifier: name, reason: "\(arguments[0]) exited with status \(process.terminationStatus)")
        }
    }
}
