import ArgumentParser
import Foundation
import VigilArchive

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every link of the hash chain through the store and the archive segments.",
        discussion: """
            Prints one line per finding, naming the event id, its time and what is wrong (MODIFIED, MISSING,
            INSERTED, REORDERED, SEGMENT, SIGNATURE). Exits 0 when everything verifies, 1 with findings.
            With --public-key, manifest signatures and signed checkpoints are checked too, which detects
            a rewrite of the whole chain.
            """
    )

    @Option(name: .long, help: "Ed25519 public key (from `vigil keygen`) to check signatures and checkpoints.")
    var publicKey: String?

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        let key = try publicKey.map { path throws(ArchiveError) in try SigningKeys.loadPublic(path) }
        let verifier = ArchiveVerifier(
            storeDirectory: configuration.dataDirectory + "/store",
            archiveDirectory: configuration.archive.path(dataDirectory: configuration.dataDirectory), publicKey: key,
            cipher: try configuration.archive.loadCipher())
        let progress = ProgressBar(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let report = try verifier.run { done, total in
            progress.show(file: "verify", done: Int64(done), of: Int64(total), lines: done)
        }
        progress.end()
        for finding in report.findings { print(finding.text) }
        let summary = "verified \(report.storeEvents) stored and \(report.archivedEvents) archived events in \(report.segments) segment(s), \(report.checkpoints) checkpoint(s): "
            + (report.findings.isEmpty ? "clean" : "\(report.findings.count) finding(s)")
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if key == nil {
            FileHandle.standardError.write(Data("note: without --public-key, signatures are not checked\n".utf8))
        }
        if !report.findings.isEmpty { throw ExitCode(1) }
    }
}
