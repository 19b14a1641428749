import ArgumentParser
import Foundation
import VigilCore
import VigilPipeline
import VigilServer

/// `vigil run -- COMMAND`: runs a cron job or admin command unchanged and records its start and end.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command (a cron job, an admin CLI) and record its start and end as audit events.",
        discussion: """
            The command's stdin, stdout and stderr are untouched, signals are forwarded, and vigil exits with \
            the command's own status (128+N when it was killed by signal N). When the daemon cannot be reached, \
            the events wait in a local spool and are delivered by the next run or by `vigil flush`, with their \
            original times. The wrapper never fails the job.
            """
    )

    @Option(name: .long, help: "cron or cli (default: cli on a terminal, else cron).")
    var kind: String?

    @Option(name: .long, help: "Job name (default: the command's file name).")
    var name: String?

    @Option(name: .long, parsing: .singleValue, help: "A key=value label for the events (repeatable).")
    var tag: [String] = []

    @Option(name: .long, help: "Keep the last N bytes of the command's output in job_end (stdout and stderr still reach their destinations; 0: off).")
    var outputTail: Int = 0

    @OptionGroup var delivery: DeliveryOptions

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
    var command: [String] = []

    mutating func validate() throws {
        if command.first == "--" { command.removeFirst() }
        // `--help` lands in the passthrough command when it comes first.
        if let first = command.first, ["-h", "--help"].contains(first) { throw CleanExit.helpRequest(self) }
        guard !command.isEmpty else { throw ValidationError("give the command after --, e.g. vigil run -- backup.sh") }
        if let kind, kind != "cron", kind != "cli" { throw ValidationError("--kind is cron or cli, not '\(kind)'") }
        for item in tag where !item.contains("=") { throw ValidationError("--tag '\(item)' is not key=value") }
        guard outputTail >= 0 && outputTail <= 1 << 20 else { throw ValidationError("--output-tail is 0...1048576") }
    }

    func run() throws {
        let invocation = RunInvocation(
            kind: kind, name: name, tags: tag, outputTail: outputTail, delivery: delivery.settings, command: command)
        throw ExitCode(invocation.execute())
    }
}

/// One `vigil run`, parsed: by ArgumentParser (``RunCommand``) or, on the hot path of every cron job,
/// by ``parse(_:)``, which skips ArgumentParser's reflection (a third of the wrapper's start-up).
struct RunInvocation {
    var kind: String?
    var name: String?
    var tags: [String] = []
    var outputTail = 0
    var delivery = DeliverySettings()
    var command: [String] = []

    /// Reads `[OPTIONS] -- COMMAND…`; nil for anything else (help, unknown options, bad values), which
    /// then goes through ``RunCommand`` for its messages.
    static func parse(_ arguments: [String]) -> RunInvocation? {
        var invocation = RunInvocation()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                invocation.command = Array(arguments[(index + 1)...])
                break
            }
            var option = argument
            var value: String?
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                option = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else if index + 1 < arguments.count {
                value = arguments[index + 1]
                index += 1
            }
            guard let value, !value.hasPrefix("-") || argument.contains("=") else { return nil }
            switch option {
            case "--kind": invocation.kind = value
            case "--name": invocation.name = value
            case "--tag": invocation.tags.append(value)
            case "--output-tail":
                guard let count = Int(value) else { return nil }
                invocation.outputTail = count
            case "--to": invocation.delivery.to = value
            case "--spool": invocation.delivery.spool = value
            case "--config": invocation.delivery.config = value
            case "--data-dir": invocation.delivery.dataDir = value
            default: return nil
            }
            index += 1
        }
        guard !invocation.command.isEmpty, invocation.kind.map({ $0 == "cron" || $0 == "cli" }) ?? true,
            invocation.tags.allSatisfy({ $0.contains("=") }), (0...(1 << 20)).contains(invocation.outputTail)
        else { return nil }
        return invocation
    }

    /// Runs the command and records it; returns the status to exit with (the command's own).
    func execute() -> Int32 {
        let report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        // Nothing here may stop the job: configuration and spool problems are reported and the command still runs.
        let configuration: VigilConfiguration?
        do {
            configuration = try delivery.loadConfiguration()
        } catch {
            report("vigil: \(error); using the defaults")
            configuration = nil
        }
        let sender = makeDelivery(configuration, report: report)
        let redactor = configuration.flatMap { try? ServerBuilder.makeRedactor($0) }
            ?? (try? Redactor(rules: [], disabledBuiltIns: [], replacement: "[REDACTED]"))

        var labels: [String: String] = [:]
        for item in tags {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            labels[String(parts[0])] = String(parts[1])
        }
        let jobKind = kind ?? (isatty(0) == 1 ? "cli" : "cron")
        let job = JobEvents(
            name: name ?? URL(fileURLWithPath: command[0]).lastPathComponent, kind: jobKind, arguments: command, tags: labels)
        func encode(_ event: AuditEvent) -> [UInt8] {
            var event = event
            _ = redactor?.redact(&event)
            return event.canonicalBytes
        }

        let started = Timestamp.now()
        var startedPID: Int32?
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run(command, captureTail: outputTail) { pid in
                startedPID = pid
                sender?.send([encode(job.start(at: started, pid: pid))], report: report)
            }
        } catch {
            let end = job.end(
                at: .now(), started: started, pid: startedPID, termination: nil, startError: error.description, outputTail: nil)
            Self.whileShielded { sender?.send([encode(end)], report: report) }
            report("vigil: \(error.description)")
            return error.exitStatus
        }
        let end = job.end(
            at: .now(), started: started, pid: result.pid, termination: result.termination, startError: nil,
            outputTail: result.outputTail)
        Self.whileShielded { sender?.send([encode(end)], report: report) }
        return result.termination.shellStatus
    }

    private func makeDelivery(_ configuration: VigilConfiguration?, report: (String) -> Void) -> SpoolingDelivery? {
        let address: SendAddress
        do {
            address = try delivery.address(configuration: configuration)
        } catch {
            report("vigil: \(error); the run is not recorded")
            return nil
        }
        var spool: Spool?
        do {
            spool = try Spool(directory: delivery.spoolDirectory)
        } catch {
            report("vigil: the spool is not usable (\(error)); events are sent without it")
        }
        return SpoolingDelivery(forwarder: EventForwarder(address: address), spool: spool)
    }

    /// Sends job_end with stop signals ignored, so a `kill` of the whole group after the command ended
    /// cannot lose the record; delivery is bounded by the forwarder's timeout.
    private static func whileShielded(_ body: () -> Void) {
        let signals = [SIGTERM, SIGINT, SIGHUP]
        let previous = signals.map { signal($0, SIG_IGN) }
        body()
        for (index, sig) in signals.enumerated() { signal(sig, previous[index]) }
    }
}

/// `vigil flush`: delivers what `vigil run` spooled while the daemon was away.
struct FlushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Deliver the events `vigil run` spooled while the daemon was unreachable."
    )

    @OptionGroup var delivery: DeliveryOptions

    func run() throws {
        let settings = delivery.settings
        let configuration = try settings.loadConfiguration()
        let forwarder = EventForwarder(address: try settings.address(configuration: configuration))
        let spool = try Spool(directory: settings.spoolDirectory)
        var failure: String?
        let result = try spool.flush(wait: true) { entries in
            do {
                try forwarder.deliver(entries)
            } catch {
                failure = "\(error)"
                throw error
            }
        }
        print("delivered \(result.delivered) event(s); \(spool.pendingCount) waiting in \(settings.spoolDirectory)")
        if let failure {
            FileHandle.standardError.write(Data("vigil flush: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
