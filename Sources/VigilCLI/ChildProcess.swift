import Foundation
import VigilStore

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as a child with the parent's stdin/stdout/stderr (inherited fds, untouched),
/// forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 to it while it runs, waits for it.
///
/// Signals: while any child runs, the forwarded signals have a process-wide `SA_SIGINFO` handler that
/// writes the signal number to a pipe; one relay thread reads the pipe and `kill`s every running child.
/// A handler, not `sigwait`, because `vigil` has an async `main`: libdispatch parks the main thread
/// in `sigsuspend` with an empty mask, so the kernel hands process signals to it, never to a thread
/// that blocked them and waits in `sigwait`, and SIGTERM would kill the wrapper.
///
/// - The child stays in the wrapper's process group, so terminal job control keeps working.
///   A signal the kernel sends to the whole group (Ctrl-C, Ctrl-\, terminal hangup: `si_code ==
///   SI_KERNEL`) already reached the child and is not forwarded, which would deliver it twice.
///   Signals from user space (`kill PID`, `kill -s TERM -PGID`, systemd, timeout(1)) are forwarded;
///   when the sender targeted the group too, the child sees them twice.
/// - A forwarded signal that the wrapper ignored on entry (nohup, `trap '' HUP`) stays ignored, in
///   the wrapper and in the child. Other forwarded signals and SIGPIPE start at their default in the
///   child, with an empty signal mask.
/// - A signal that arrives after the child exited is dropped; once `run` returns, the previous
///   dispositions are back.
/// - Exit detection uses `waitid(WNOWAIT)` and the child leaves the relay before it is reaped, so
///   a forwarded signal can never reach a recycled pid.
struct ChildProcess {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The status a shell reports: the exit code, or 128 + the signal number.
        var shellStatus: Int32 {
            switch self {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
    }

    struct Result: Sendable {
        var pid: Int32
        var termination: Termination
        /// The last `captureTail` bytes of stdout and stderr together, in the order they were read
        /// (exact when both go to the same file, e.g. `2>&1`); `nil` when `captureTail` is 0.
        var outputTail: [UInt8]?
    }

    static let forwardedSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// Runs `arguments` to completion.
    ///
    /// - Parameters:
    ///   - arguments: the program, resolved through `PATH` like `execvp`, and its arguments.
    ///   - captureTail: when > 0, the child's stdout and stderr are pipes whose bytes are copied
    ///     unchanged to the real stdout and stderr while the last `captureTail` of them are kept.
    ///     The child then sees pipes instead of the original files (no tty); output of background
    ///     processes it leaves behind is copied only until it exits. When 0, the descriptors are
    ///     inherited and nothing sits in between.
    ///   - onStart: called with the child's pid once it runs, before waiting.
    /// - Throws: `ChildProcessError` when the program cannot be started (status 127 when it is not
    ///   found, 126 otherwise), or, after `onStart`, when its exit status was taken by someone else.
    static func run(
        _ arguments: [String], captureTail: Int, onStart: (Int32) -> Void
    ) throws(ChildProcessError) -> Result {
        guard let program = arguments.first else {
            throw ChildProcessError(exitStatus: 127, description: "no command given")
        }
        let relay = SignalRelay.shared
        let slot = relay.register()
        defer { relay.unregister(slot) }

        var capture: [(read: Int32, write: Int32, targets: [Int32])] = []
        if captureTail > 0 {
            // `>log 2>&1`, a pipe to cron's mailer: one pipe keeps the exact interleaving of both streams.
            // A closed stdout or stderr stays closed in the child, as without capture. An inherited
            // descriptor is never close-on-exec; one the runtime opened in a free slot (libdispatch's
            // epoll fd takes 1 when the wrapper starts with stdout closed) always is.
            let open = [Int32(1), 2].filter {
                let flags = fcntl($0, F_GETFD)
                return flags >= 0 && flags & FD_CLOEXEC == 0
            }
            for targets in open.count == 2 && referToSameFile(1, 2) ? [open] : open.map({ [$0] }) {
                do {
                    let pipe = try makePipe(for: program)
                    capture.append((pipe.read, pipe.write, targets))
                } catch {
                    for pipe in capture { close(pipe.read); close(pipe.write) }
                    throw error
                }
            }
        }
        let spawned = spawn(arguments, redirections: capture.flatMap { pipe in pipe.targets.map { (pipe.write, $0) } })
        for pipe in capture { close(pipe.write) }
        let pid: pid_t
        do {
            pid = try spawned.get()
        } catch {
            for pipe in capture { close(pipe.read) }
            throw error
        }
        relay.started(slot, pid: pid)
        onStart(pid)

        var tail: [UInt8]?
        if captureTail > 0 {
            // The pump owns and closes the read ends.
            var pump = OutputPump(streams: capture.map { ($0.read, $0.targets[0]) }, tailLimit: captureTail)
            pump.run(untilExitOf: pid)
            tail = pump.tail
        }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            guard errno == EINTR else {
                throw ChildProcessError(
                    exitStatus: 1, description: "lost the exit status of \(program) (pid \(pid)): \(errorText(errno))")
            }
        }
        // Leave the relay before reaping: from here on no signal is sent to this pid.
        relay.unregister(slot)
        var reaped = siginfo_t()
        while waitid(P_PID, id_t(pid), &reaped, WEXITED) != 0 && errno == EINTR {}
        let status = info._sifields._sigchld.si_status
        let termination: Termination = info.si_code == Int32(CLD_EXITED) ? .exited(status) : .signaled(status)
        return Result(pid: pid, termination: termination, outputTail: tail)
    }

    // MARK: - Spawning

    private static func spawn(
        _ arguments: [String], redirections: [(from: Int32, to: Int32)]
    ) -> Swift.Result<Int32, ChildProcessError> {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = SignalRelay.shared.childDefaults
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for redirection in redirections {
            posix_spawn_file_actions_adddup2(&actions, redirection.from, redirection.to)
        }

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let rc = withUnsafePointer(to: &actions) { actionsPointer in
            posix_spawnp(&pid, arguments[0], redirections.isEmpty ? nil : actionsPointer, &attributes, argv, environ)
        }
        guard rc == 0 else {
            let program = arguments[0]
            if rc == ENOENT {
                let message = program.contains("/") ? "\(program): \(errorText(rc))" : "\(program): command not found"
                return .failure(ChildProcessError(exitStatus: 127, description: message))
            }
            return .failure(ChildProcessError(exitStatus: 126, description: "cannot run \(program): \(errorText(rc))"))
        }
        return .success(pid)
    }

    /// A pipe for the child's stdout or stderr.
    private static func makePipe(for program: String) throws(ChildProcessError) -> (read: Int32, write: Int32) {
        guard let fds = makeCloseOnExecPipe() else {
            throw ChildProcessError(exitStatus: 126, description: "cannot run \(program): pipe: \(errorText(errno))")
        }
        return fds
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    /// 127 when the program was not found, 126 when it could not be started; 1 when its exit status was lost.
    var exitStatus: Int32
    var description: String
}

private func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

private func referToSameFile(_ first: Int32, _ second: Int32) -> Bool {
    var a = stat()
    var b = stat()
    return fstat(first, &a) == 0 && fstat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

/// A close-on-exec pipe whose ends are not 0, 1 or 2, so `dup2` onto those in the child cannot clobber
/// one another when the wrapper itself was started with a standard descriptor closed. (Glibc's module
/// does not export `pipe2`: a process spawned by another thread in between may inherit the first
/// descriptors; it cannot hold the pipe open after the wrapper's child exits, see `OutputPump`.)
private func makeCloseOnExecPipe() -> (read: Int32, write: Int32)? {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return nil }
    let moved = fds.map { fcntl($0, F_DUPFD_CLOEXEC, 3) }
    let code = errno
    for fd in fds { close(fd) }
    guard moved[0] >= 0, moved[1] >= 0 else {
        for fd in moved where fd >= 0 { close(fd) }
        errno = code
        return nil
    }
    return (moved[0], moved[1])
}

// MARK: - Output capture

/// Copies the child's output pipes to the real descriptors and keeps the last bytes of both.
private struct OutputPump {
    private var streams: [(source: Int32, destination: Int32)]
    private let tailLimit: Int
    private var buffer: [UInt8] = []
    private var sawBrokenPipe = false

    init(streams: [(source: Int32, destination: Int32)], tailLimit: Int) {
        self.streams = streams
        self.tailLimit = tailLimit
    }

    var tail: [UInt8] { Array(buffer.suffix(tailLimit)) }

    /// Returns at end of both streams, or once the child exited and what the pipes held then is copied
    /// (a background process may keep them open for good). Closes every source.
    mutating func run(untilExitOf pid: pid_t) {
        defer {
            for stream in streams { close(stream.source) }
            streams = []
        }
        // A write to a closed stdout must fail with EPIPE here, not kill the wrapper.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            if sawBrokenPipe && sigismember(&previousMask, SIGPIPE) == 0 {
                var pending = sigset_t()
                sigpending(&pending)
                var zero = timespec()
                if sigismember(&pending, SIGPIPE) == 1 { _ = sigtimedwait(&pipeSignal, nil, &zero) }
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }

        var chunk = [UInt8](repeating: 0, count: 65_536)
        // Once the child exited, only what its pipes can hold is still copied (two pipes of at most
        // pipe-max-size, 1 MiB by default): a background process that keeps writing must not hold us.
        var drainBudget: Int?
        while !streams.isEmpty {
            if drainBudget == nil && Self.hasExited(pid) { drainBudget = 2 << 20 }
            var fds = streams.map { pollfd(fd: $0.source, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), drainBudget == nil ? 100 : 0)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                if drainBudget != nil { return }
                continue
            }
            var finished: [Int32] = []
            for (index, fd) in fds.enumerated() where fd.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fd.fd, $0.baseAddress, $0.count) }
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard n > 0 else {
                    finished.append(fd.fd)
                    continue
                }
                keep(chunk[0..<n])
                drainBudget = drainBudget.map { $0 - n }
                if !copy(chunk[0..<n], to: streams[index].destination) {
                    // Like an inherited descriptor: the child's next write gets SIGPIPE or EPIPE.
                    finished.append(fd.fd)
                }
            }
            for fd in finished {
                streams.removeAll { $0.source == fd }
                close(fd)
            }
            if let drainBudget, drainBudget <= 0 { return }
        }
    }

    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0
            && info._sifields._sigchld.si_pid == pid
    }

    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        if bytes.count >= tailLimit {
            buffer = Array(bytes.suffix(tailLimit))
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count > 2 * tailLimit + 65_536 { buffer.removeFirst(buffer.count - tailLimit) }
    }

    /// Writes everything, waiting when the destination is non-blocking and full; false when it is gone.
    private mutating func copy(_ bytes: ArraySlice<UInt8>, to destination: Int32) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            if n >= 0 {
                offset += n
            } else if errno == EAGAIN {
                var waiting = pollfd(fd: destination, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, -1)
            } else if errno != EINTR {
                sawBrokenPipe = sawBrokenPipe || errno == EPIPE
                return false
            }
        }
        return true
    }
}

// MARK: - Signal relay

/// Written once before any handler is installed; read by the handler (a C function cannot capture).
nonisolated(unsafe) private var relayWriteFD: Int32 = -1

/// Async-signal-safe: one `write` of the signal number, errno preserved.
private func relaySignal(
    _ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?
) {
    let savedErrno = errno
    defer { errno = savedErrno }
    // Sent by the kernel to the whole process group (terminal keys, hangup): the child has it already.
    if let info, info.pointee.si_code == Int32(SI_KERNEL) { return }
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(relayWriteFD, &byte, 1)
}

/// Forwards signals to every running child of the process; handlers are installed while one runs.
private final class SignalRelay: @unchecked Sendable {  // mutable state guarded by `lock`
    static let shared = SignalRelay()

    private struct Slot {
        var pid: pid_t = 0
        var pending: [Int32] = []
    }

    private let lock = NSLock()
    private let readFD: Int32
    private var slots: [Int: Slot] = [:]
    private var nextSlot = 0
    private var savedActions: [(signal: Int32, action: sigaction)] = []
    private var handledSignals = sigset_t()

    private init() {
        // Without the pipe, signals reach the handler and go nowhere: the wrapper survives, the child is not told.
        let fds = makeCloseOnExecPipe() ?? (-1, -1)
        // Non-blocking: the handler must never wait, whatever the relay thread does.
        for fd in [fds.read, fds.write] where fd >= 0 { _ = fcntl(fd, F_SETFL, O_NONBLOCK) }
        readFD = fds.read
        relayWriteFD = fds.write
        Thread.start(named: "vigil-sigrelay") { [self] in relayLoop() }
    }

    /// Signals the child starts with at their default disposition: SIGPIPE and the relayed ones.
    var childDefaults: sigset_t {
        lock.lock()
        defer { lock.unlock() }
        var set = handledSignals
        sigaddset(&set, SIGPIPE)
        return set
    }

    /// Call before spawning; signals arriving until `started` are kept for the child.
    func register() -> Int {
        lock.lock()
        defer { lock.unlock() }
        if slots.isEmpty { installHandlers() }
        nextSlot += 1
        slots[nextSlot] = Slot()
        return nextSlot
    }

    func started(_ slot: Int, pid: pid_t) {
        lock.lock()
        defer { lock.unlock() }
        slots[slot]?.pid = pid
        for signal in slots[slot]?.pending ?? [] { kill(pid, signal) }
        slots[slot]?.pending = []
    }

    /// Idempotent; the last one out restores the previous dispositions.
    func unregister(_ slot: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard slots.removeValue(forKey: slot) != nil else { return }
        if slots.isEmpty { restoreHandlers() }
    }

    private func installHandlers() {
        savedActions = []
        sigemptyset(&handledSignals)
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = relaySignal
        action.sa_flags = SA_SIGINFO | SA_RESTART
        sigemptyset(&action.sa_mask)
        for signal in ChildProcess.forwardedSignals {
            var previous = sigaction()
            sigaction(signal, nil, &previous)
            if Self.isIgnored(previous) { continue }
            sigaction(signal, &action, nil)
            savedActions.append((signal, previous))
            sigaddset(&handledSignals, signal)
        }
        // Inherited SIG_IGN for SIGCHLD makes the kernel reap children: waitid would fail with ECHILD.
        var child = sigaction()
        sigaction(SIGCHLD, nil, &child)
        if Self.isIgnored(child) {
            var defaultAction = sigaction()
            sigemptyset(&defaultAction.sa_mask)
            sigaction(SIGCHLD, &defaultAction, nil)
            savedActions.append((SIGCHLD, child))
        }
    }

    private func restoreHandlers() {
        for saved in savedActions {
            var action = saved.action
            sigaction(saved.signal, &action, nil)
        }
        savedActions = []
    }

    private static func isIgnored(_ action: sigaction) -> Bool {
        let handler = unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
        return action.sa_flags & SA_SIGINFO == 0 && handler == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    private func relayLoop() {
        // Handlers may run here too, so that some thread always accepts the relayed signals.
        var mask = sigset_t()
        sigfillset(&mask)
        for signal in ChildProcess.forwardedSignals { sigdelset(&mask, signal) }
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        guard readFD >= 0 else { return }
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            var fd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, -1) < 0 { continue }
            let n = bytes.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            lock.lock()
            for signal in bytes[0..<n].map(Int32.init) {
                for (key, slot) in slots {
                    if slot.pid > 0 { kill(slot.pid, signal) } else { slots[key]?.pending.append(signal) }
                }
            }
            lock.unlock()
        }
    }
}
