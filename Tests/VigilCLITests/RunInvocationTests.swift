import Testing
@testable import VigilCLI

/// The `vigil run` fast path reads the common forms itself and hands everything else to ArgumentParser.
@Suite struct RunInvocationTests {
    @Test func readsOptionsInBothFormsAndTheCommandAfterTheSeparator() throws {
        let run = try #require(RunInvocation.parse([
            "--kind", "cron", "--name=magento-cron", "--tag", "env=prod", "--tag=team=ops", "--output-tail", "4096",
            "--to", "unix:/run/vigil.sock", "--spool=/var/spool/vigil", "--config", "/etc/vigil.yaml", "--data-dir", "/d",
            "--", "php", "bin/magento", "--verbose", "--", "x",
        ]))
        #expect(run.kind == "cron")
        #expect(run.name == "magento-cron")
        #expect(run.tags == ["env=prod", "team=ops"])
        #expect(run.outputTail == 4096)
        #expect(run.delivery.to == "unix:/run/vigil.sock")
        #expect(run.delivery.spool == "/var/spool/vigil")
        #expect(run.delivery.config == "/etc/vigil.yaml")
        #expect(run.delivery.dataDir == "/d")
        #expect(run.command == ["php", "bin/magento", "--verbose", "--", "x"])
    }

    @Test(arguments: [
        ["--help"], ["-h", "--", "true"], ["--", ], [], ["true"], ["--kind", "weekly", "--", "true"],
        ["--tag", "novalue", "--", "true"], ["--output-tail", "lots", "--", "true"], ["--output-tail", "-1", "--", "true"],
        ["--name", "--", "true"], ["--colour", "red", "--", "true"], ["--name"],
    ])
    func leavesEverythingElseToArgumentParser(_ arguments: [String]) {
        #expect(RunInvocation.parse(arguments) == nil)
    }
}
