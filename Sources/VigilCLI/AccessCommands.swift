import ArgumentParser
import Foundation
import VigilHTTP

#if canImport(Glibc)
import Glibc
#endif

extension Role: ExpressibleByArgument {}

extension ConfigOptions {
    /// The users and tokens of the configured data directory.
    func accessStore() throws -> AccessStore {
        try AccessStore(directory: AccessStore.directory(dataDirectory: try load().dataDirectory))
    }
}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (stored hashed in DATA_DIR/access).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token and print its secret (shown once).",
            discussion: "Send it as `Authorization: Bearer SECRET`, or set VIGIL_API_TOKEN for `vigil query --server` and `vigil tail`.")

        @Option(name: .long, help: "viewer (read, search, export) or admin (also the admin pages and archive rotation).")
        var role: Role

        @Option(name: .long, help: "A name to tell it apart and revoke it (default: token-TIMESTAMP).")
        var name: String?

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let name = name ?? "token-\(Int(Date().timeIntervalSince1970))"
            print(try options.accessStore().createToken(name: name, role: role))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (names, roles, first characters; never secrets).")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            for token in try options.accessStore().tokens() {
                print("\(token.name)\t\(token.role.rawValue)\t\(token.hint)…\t\(token.created)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name; it stops working at once.")
        @Argument var name: String
        @OptionGroup var options: ConfigOptions

        func run() throws {
            try options.accessStore().revokeToken(name)
            print("revoked \(name)")
        }
    }
}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage web UI users (passwords stored as salted PBKDF2-SHA256 hashes in DATA_DIR/access).",
        subcommands: [Add.self, Passwd.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; asks for the password twice, or reads it from stdin.")
        @Argument var name: String
        @Option(name: .long, help: "viewer or admin.") var role: Role
        @Flag(name: .long, help: "Read the password from the first line of standard input.") var passwordStdin = false
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let password = try readPassword(fromStdin: passwordStdin)
            try options.accessStore().addUser(name, password: password, role: role)
            print("added \(name) (\(role.rawValue))")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set a user's password.")
        @Argument var name: String
        @Flag(name: .long, help: "Read the password from the first line of standard input.") var passwordStdin = false
        @OptionGroup var options: ConfigOptions

        func run() throws {
            let password = try readPassword(fromStdin: passwordStdin)
            try options.accessStore().setPassword(name, password: password)
            print("password of \(name) changed")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users and their roles.")
        @OptionGroup var options: ConfigOptions

        func run() throws {
            for user in try options.accessStore().users() { print("\(user.name)\t\(user.role.rawValue)\t\(user.created)") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user; their sessions end with the next request.")
        @Argument var name: String
        @OptionGroup var options: ConfigOptions

        func run() throws {
            try options.accessStore().removeUser(name)
            print("removed \(name)")
        }
    }
}

/// A password from stdin (`--password-stdin`), else asked twice on the terminal without echo.
func readPassword(fromStdin: Bool) throws -> String {
    if fromStdin || isatty(STDIN_FILENO) == 0 {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("no password on standard input")
        }
        return line
    }
    guard let first = getpass("Password: ").map({ String(cString: $0) }),
        let second = getpass("Again: ").map({ String(cString: $0) })
    else { throw ValidationError("cannot read the password") }
    guard first == second else { throw ValidationError("the passwords differ") }
    return first
}
