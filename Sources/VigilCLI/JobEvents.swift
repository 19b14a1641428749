import Foundation
import VigilCore

/// The `job_start` and `job_end` events of one `vigil run`.
struct JobEvents {
    var name: String
    var kind: String
    var arguments: [String]
    var tags: [String: String]
    let runID: String
    let host: String?
    let identity: Identity

    /// Who runs the command: the effective user, and the person behind `sudo` or the login.
    struct Identity {
        var user: String?
        var uid: UInt32
        var login: String?
        var sudoUser: String?

        /// The human accountable for the run: `SUDO_USER`, else the login name, else the user.
        var actor: String? { sudoUser ?? login ?? user }

        static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Identity {
            let uid = geteuid()
            let user = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
            // getlogin() reads utmp for the controlling terminal; cron jobs have none, LOGNAME is what cron sets.
            let login = getlogin().map { String(cString: $0) } ?? environment["LOGNAME"] ?? environment["USER"]
            let sudo = environment["SUDO_USER"].flatMap { $0.isEmpty ? nil : $0 }
            return Identity(user: user, uid: uid, login: login, sudoUser: sudo)
        }
    }

    init(name: String, kind: String, arguments: [String], tags: [String: String], identity: Identity = .current()) {
        self.name = name
        self.kind = kind
        self.arguments = arguments
        self.tags = tags
        self.identity = identity
        var ids = EventIDGenerator()
        runID = ids.next(at: .now()).description
        var buffer = [CChar](repeating: 0, count: 256)
        host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    /// The command as a shell would show it (arguments with blanks or quotes are quoted).
    var commandLine: String {
        arguments.map { argument in
            let plain = !argument.isEmpty && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,+@%".contains($0) }
            return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }.joined(separator: " ")
    }

    private func base(action: String, time: Timestamp) -> AuditEvent {
        var event = AuditEvent(time: time, received: time, source: WrapperName.app, action: action)
        event.kind = kind
        event.host = host
        event.app = WrapperName.app
        event.actor = identity.actor
        event.actorType = kind == "cron" ? "system" : "person"
        event.entityType = "job"
        event.entityID = name
        event.entityName = name
        event.category = kind == "cron" ? "jobs" : "commands"
        var attrs: [String: JSONValue] = [
            "job": .string(name),
            "run_id": .string(runID),
            "command": .string(commandLine),
            "argv": .array(arguments.map { .string($0) }),
            "cwd": .string(FileManager.default.currentDirectoryPath),
            "uid": .int(Int64(identity.uid)),
        ]
        if let user = identity.user { attrs["user"] = .string(user) }
        if let login = identity.login { attrs["login"] = .string(login) }
        if let sudo = identity.sudoUser { attrs["sudo_user"] = .string(sudo) }
        if !tags.isEmpty { attrs["tags"] = .object(tags.mapValues { .string($0) }) }
        event.attrs = attrs
        return event
    }

    func start(at time: Timestamp, pid: Int32) -> AuditEvent {
        var event = base(action: "job_start", time: time)
        event.severity = "info"
        event.attrs["pid"] = .int(Int64(pid))
        event.message = "\(name) started: \(commandLine)"
        return event
    }

    func end(
        at time: Timestamp, started: Timestamp, pid: Int32?, termination: ChildProcess.Termination?, startError: String?,
        outputTail: [UInt8]?
    ) -> AuditEvent {
        var event = base(action: "job_end", time: time)
        event.durationMS = Double(time.microseconds - started.microseconds) / 1000
        if let pid { event.attrs["pid"] = .int(Int64(pid)) }
        let seconds = String(format: "%.3f", (event.durationMS ?? 0) / 1000)
        switch termination {
        case .exited(let code)?:
            event.attrs["exit_code"] = .int(Int64(code))
            event.outcome = code == 0 ? "success" : "failure"
            event.message = "\(name) exited with \(code) after \(seconds) s"
        case .signaled(let signal)?:
            event.attrs["signal"] = .string(Self.signalName(signal))
            event.outcome = "failure"
            event.message = "\(name) was killed by \(Self.signalName(signal)) after \(seconds) s"
        case nil:
            event.outcome = "failure"
            event.message = "\(name) could not start: \(startError ?? "unknown error")"
            event.error = startError
        }
        if let status = termination?.shellStatus { event.attrs["status"] = .int(Int64(status)) }
        event.severity = event.outcome == "success" ? "info" : "medium"
        if let outputTail, !outputTail.isEmpty { event.attrs["output_tail"] = .string(String(decoding: outputTail, as: UTF8.self)) }
        return event
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL",
            SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGUSR1: "SIGUSR1",
            SIGUSR2: "SIGUSR2", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGXCPU: "SIGXCPU",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}

/// Names shared with the daemon's built-in `wrapper` route.
enum WrapperName {
    static let app = "vigil-run"
}
