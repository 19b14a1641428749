import Foundation
import Testing

@testable import VigilCLI

#if canImport(Glibc)
import Glibc
#endif

/// Real children (`/bin/sh`, `sleep`). Serialized: forwarding is process-wide, so a signal sent to the test
/// process while one test's child runs would reach every running child.
@Suite(.serialized) struct ChildProcessTests {
    @Test(arguments: [Int32(0), 3, 255])
    func reportsExitStatus(code: Int32) throws {
        let result = try ChildProcess.run(["sh", "-c", "exit \(code)"], captureTail: 0) { _ in }
        #expect(result.termination == .exited(code))
        #expect(result.termination.shellStatus == code)
        #expect(result.outputTail == nil)
    }

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGKILL, Int32(137))] as [(Int32, Int32)])
    func reportsKillingSignalAsShellStatus(signal: Int32, status: Int32) throws {
        let result = try ChildProcess.run(["/bin/sh", "-c", "kill -\(signal) $$"], captureTail: 0) { _ in }
        #expect(result.termination == .signaled(signal))
        #expect(result.termination.shellStatus == status)
    }

    @Test func passesChildPidToOnStart() throws {
        var started: Int32 = 0
        let result = try ChildProcess.run(["true"], captureTail: 0) { started = $0 }
        #expect(started > 0)
        #expect(started == result.pid)
    }

    @Test func missingCommandFailsWithStatus127() {
        #expect(startFailure(["vigil-no-such-command"]) == 127)
        #expect(startFailure(["/nonexistent/vigil-no-such-command"]) == 127)
        #expect(startFailure([]) == 127)
    }

    @Test func nonExecutableFileFailsWithStatus126() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(startFailure([path]) == 126)
    }

    @Test func onStartIsNotCalledWhenTheCommandCannotStart() {
        var called = false
        #expect(throws: ChildProcessError.self) {
            _ = try ChildProcess.run(["vigil-no-such-command"], captureTail: 0) { _ in called = true }
        }
        #expect(!called)
    }

    @Test func captureKeepsTheLastBytes() throws {
        let script = "printf abcdefghij; printf KLMNOPQRST; exit 7"
        let result = try ChildProcess.run(["sh", "-c", script], captureTail: 6) { _ in }
        #expect(result.termination == .exited(7))
        #expect(result.outputTail == Array("OPQRST".utf8))
    }

    @Test func captureIncludesStandardError() throws {
        let result = try ChildProcess.run(["sh", "-c", "printf 'oops' >&2"], captureTail: 100) { _ in }
        #expect(result.outputTail == Array("oops".utf8))
    }

    @Test func captureOfSilentChildIsEmpty() throws {
        let result = try ChildProcess.run(["true"], captureTail: 100) { _ in }
        #expect(result.outputTail == [])
    }

    /// A background process that keeps stdout open must not keep `run` waiting once the child exited.
    @Test func captureEndsWhenChildExitsDespiteBackgroundProcess() throws {
        let result = try ChildProcess.run(["sh", "-c", "sleep 60 & echo $!"], captureTail: 100) { _ in }
        #expect(result.termination == .exited(0))
        let output = String(decoding: result.outputTail ?? [], as: UTF8.self)
        let background = Int32(output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(background != nil)
        if let background { kill(background, SIGKILL) }
    }

    @Test func forwardsSignalsSentToTheProcess() throws {
        // Sent from onStart: the child runs and is registered, no timing involved.
        let result = try ChildProcess.run(["sleep", "60"], captureTail: 0) { _ in kill(getpid(), SIGUSR1) }
        #expect(result.termination == .signaled(SIGUSR1))
        #expect(result.termination.shellStatus == 128 + SIGUSR1)
    }

    @Test func forwardsSignalsWhileCapturing() throws {
        let result = try ChildProcess.run(["sleep", "60"], captureTail: 10) { _ in kill(getpid(), SIGUSR2) }
        #expect(result.termination == .signaled(SIGUSR2))
    }

    @Test func restoresSignalDispositionsAfterRun() throws {
        var before = sigaction()
        sigaction(SIGUSR1, nil, &before)
        _ = try ChildProcess.run(["true"], captureTail: 0) { _ in }
        var after = sigaction()
        sigaction(SIGUSR1, nil, &after)
        #expect(handlerAddress(after) == handlerAddress(before))
    }

    @Test func childGetsDefaultSIGPIPEWhenParentIgnoresIt() throws {
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        var previous = sigaction()
        sigaction(SIGPIPE, &ignore, &previous)
        defer { sigaction(SIGPIPE, &previous, nil) }
        let result = try ChildProcess.run(["sh", "-c", "kill -PIPE $$; exit 0"], captureTail: 0) { _ in }
        #expect(result.termination == .signaled(SIGPIPE))
    }

    @Test func shellStatusOfTerminations() {
        #expect(ChildProcess.Termination.exited(0).shellStatus == 0)
        #expect(ChildProcess.Termination.exited(42).shellStatus == 42)
        #expect(ChildProcess.Termination.signaled(9).shellStatus == 137)
    }

    private func startFailure(_ arguments: [String]) -> Int32? {
        do {
            _ = try ChildProcess.run(arguments, captureTail: 0) { _ in }
            return nil
        } catch {
            #expect(!error.description.isEmpty)
            return error.exitStatus
        }
    }

    private func handlerAddress(_ action: sigaction) -> Int {
        unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
    }
}
