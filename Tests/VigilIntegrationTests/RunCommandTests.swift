import Foundation
import Testing
import VigilCore
import VigilServer
import VigilStore
import VigilTestSupport

extension Integration {
    /// `vigil run` as users run it: the real binary wrapping real commands, a real daemon.
    @Suite struct RunCommandTests {
        static func run(_ arguments: [String], environment: [String: String], input: Data? = nil) throws -> (status: Int32, output: String) {
            var env = ProcessInfo.processInfo.environment
            env.merge(environment) { _, new in new }
            return try TestSupport.run(DaemonProcess.binary, arguments, input: input, environment: env)
        }

        static func events(_ dir: String, _ filter: String) throws -> [AuditEvent] {
            try StoreReader(directory: dir + "/store").query(try Filter.parse(filter), limit: 100_000, now: .now()).events.map(\.event)
        }

        @Test func exitCodesOutputAndSignalsPassThrough() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-run")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            let env = ["VIGIL_ADDR": "unix:" + dir + "/vigil.sock", "VIGIL_SPOOL": dir + "/spool"]

            #expect(try Self.run(["run", "--name", "three", "--", "sh", "-c", "exit 3"], environment: env).status == 3)
            let bytes = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let cat = try TestSupport.runData(DaemonProcess.binary, ["run", "--name", "cat", "--", "cat"], input: bytes, environment: env)
            #expect(cat.status == 0)
            #expect(cat.output == bytes)
            #expect(try Self.run(["run", "--name", "killed", "--", "sh", "-c", "kill -TERM $$"], environment: env).status == 143)
            #expect(try Self.run(["run", "--", "no-such-command-xyz"], environment: env).status == 127)

            // A SIGTERM to the wrapper reaches the command; the wrapper exits like it.
            let wrapper = Process()
            wrapper.executableURL = URL(fileURLWithPath: DaemonProcess.binary)
            wrapper.arguments = ["run", "--name", "sleeper", "--", "sleep", "30"]
            wrapper.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
            try wrapper.run()
            let started = await TestSupport.waitUntil { ((try? Self.events(dir, "action:job_start entity_id:sleeper")) ?? []).count == 1 }
            #expect(started)
            wrapper.terminate()
            wrapper.waitUntilExit()
            #expect(wrapper.terminationStatus == 143)

            _ = await TestSupport.waitUntil { ((try? Self.events(dir, "action:job_end")) ?? []).count == 5 }
            let ends = Dictionary(uniqueKeysWithValues: try Self.events(dir, "action:job_end").map { ($0.entityID ?? "", $0) })
            #expect(ends["three"]?.attrs["exit_code"] == .int(3))
            #expect(ends["three"]?.outcome == "failure")
            #expect(ends["cat"]?.outcome == "success")
            #expect(ends["killed"]?.attrs["signal"] == .string("SIGTERM"))
            #expect(ends["sleeper"]?.attrs["signal"] == .string("SIGTERM"))
            #expect(ends["no-such-command-xyz"]?.attrs["status"] == nil)
            #expect(ends["no-such-command-xyz"]?.message?.contains("could not start") == true)
            let start = try #require(try Self.events(dir, "action:job_start entity_id:three").first)
            #expect(start.kind == "cron")
            #expect(start.attrs["command"] == .string("sh -c 'exit 3'"))
            #expect(start.attrs["peer"]?.objectValue?["uid"] != nil)
            _ = daemon.terminate()
        }

        /// Declared jobs: one that runs too long overruns, one that never starts is missed, both
        /// recorded by the daemon while it runs (the timing rules are tested with a clock in JobMonitorTests).
        @Test func declaredJobsThatOverrunOrDoNotStartAreRecorded() async throws {
            let server = try await ServerHarness { configuration in
                var quick = VigilConfiguration.Job(name: "quick")
                quick.maxDuration = 1
                quick.grace = 0
                var silent = VigilConfiguration.Job(name: "silent")
                silent.maxInterval = 1
                silent.grace = 0
                configuration.jobs = [quick, silent]
            }
            let env = ["VIGIL_ADDR": "unix:" + server.directory + "/vigil.sock", "VIGIL_SPOOL": server.directory + "/spool"]
            #expect(try Self.run(["run", "--name", "quick", "--", "sleep", "2.5"], environment: env).status == 0)
            let recorded = await TestSupport.waitUntil {
                let found = (try? Self.events(server.directory, "source:vigil-jobs")) ?? []
                return found.contains { $0.action == "job_overrun" && $0.entityID == "quick" }
                    && found.contains { $0.action == "job_missed" && $0.entityID == "silent" }
            }
            #expect(recorded)
            let overrun = try Self.events(server.directory, "action:job_overrun entity_id:quick")
            #expect(overrun.count == 1)
            let start = try #require(try Self.events(server.directory, "action:job_start entity_id:quick").first)
            #expect(overrun.first?.attrs["run_id"] == start.attrs["run_id"])
            try await server.stop()
        }

        /// With the daemon down, 1,000 wrapped runs complete normally; after it starts, all 2,000
        /// events arrive once, in order per job, with their original times.
        @Test func runsWhileTheDaemonIsDownAreSpooledAndDeliveredLater() async throws {
            let dir = TestSupport.temporaryDirectory("vigil-spool")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let env = ["VIGIL_ADDR": "unix:" + dir + "/vigil.sock", "VIGIL_SPOOL": dir + "/spool"]
            let script = """
                for i in $(seq 1 1000); do
                  "$VIGIL" run --name "job$((i % 5))" --tag "n=$i" -- true || exit 1
                done
                """
            let shell = try TestSupport.run("/bin/sh", ["-c", script], environment: ProcessInfo.processInfo.environment.merging(
                env.merging(["VIGIL": DaemonProcess.binary]) { _, new in new }) { _, new in new })
            #expect(shell.status == 0, "\(shell.output.suffix(500))")
            let before = Timestamp.now()
            let spooled = try FileManager.default.contentsOfDirectory(atPath: dir + "/spool").filter { $0.hasSuffix(".spool") }
            #expect(spooled.count == 2000)

            let daemon = DaemonProcess(directory: dir)
            try await daemon.start()
            let flush = try Self.run(["flush"], environment: env)
            #expect(flush.status == 0, "\(flush.output)")
            #expect(flush.output.contains("delivered 2000"))
            _ = daemon.terminate()

            let events = try Self.events(dir, "source:vigil-run")
            #expect(events.count == 2000)
            var byRun: [String: [AuditEvent]] = [:]
            for event in events { byRun[event.attrs["run_id"]?.stringValue ?? "", default: []].append(event) }
            #expect(byRun.count == 1000)
            #expect(byRun.values.allSatisfy { run in
                let actions = run.sorted { $0.time < $1.time }.map(\.action)
                return actions == ["job_start", "job_end"]
            })
            #expect(events.allSatisfy { $0.time < before })
            // In order per job: stored (seq) order follows the order the runs happened.
            for job in 0..<5 {
                let stored = events.filter { $0.entityID == "job\(job)" }.sorted { $0.id < $1.id }
                #expect(stored.map(\.time) == stored.map(\.time).sorted())
            }
        }
    }
}
