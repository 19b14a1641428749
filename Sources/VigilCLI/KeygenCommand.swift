import ArgumentParser
import VigilArchive

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 key pair for signing archive manifests and checkpoints.",
        discussion: """
            Writes PREFIX.key (private, mode 0600: keep it outside the data directory and set
            archive.signing_key to it) and PREFIX.pub (give it to auditors: vigil verify --public-key).
            """
    )

    @Argument(help: "Path prefix of the two files, e.g. /etc/vigil/archive.")
    var prefix: String

    @Flag(name: .long, help: "Create PREFIX.aes instead: an AES-256-GCM key for archive.encryption_key.")
    var encryption = false

    func run() throws {
        if encryption {
            try SegmentCipher.generate(prefix + ".aes")
            print("encryption key: \(prefix).aes (segments encrypted with it are no longer plain gzip)")
            return
        }
        let (privatePath, publicPath) = try SigningKeys.generate(prefix: prefix)
        print("private key: \(privatePath)\npublic key:  \(publicPath)")
    }
}
