import VigilCore

/// The daemon's whole configuration (`Config/vigil.yaml`). Every field has a working default,
/// so `vigil serve` runs with no file at all.
public struct VigilConfiguration: Sendable {
    public var dataDirectory: String = "./var"
    public var listeners: [Listener] = Listener.defaults
    public var http: HTTP? = HTTP()
    public var store = Store()
    public var routes: [Route] = []
    /// Options per parser name (`json: {aliases: {...}}`).
    public var parsers: [String: [String: JSONValue]] = [:]
    public var logLevel: String = "info"
    /// Events not worth keeping, by name and filter (`page_views: action:view kind:web`).
    public var drop: [(name: String, filter: String)] = []
    public var redaction = Redaction()
    /// Cron jobs and other runs of `vigil run` that must happen on time (`job_missed`, `job_overrun`).
    public var jobs: [Job] = []

    /// A job that must start on a schedule or at least every so often, and end within a time.
    public struct Job: Sendable, Equatable {
        public var name: String
        /// A cron expression (`*/3 * * * *`, `@daily`) read in `timeZone`.
        public var schedule: String?
        public var timeZone: String = "UTC"
        /// Seconds a start may come before or after its scheduled time.
        public var grace: Double = 300
        public var maxInterval: Double?
        public var maxDuration: Double?

        public init(name: String) { self.name = name }
    }
    /// Alert rules and notifiers (`alerts:`); see `VigilConfiguration+Alerts.swift`.
    public var alerts = Alerts()
    public var archive = Archive()
    public var retention: Retention?

    /// Masking of secrets before anything is stored (built-ins on by default).
    public struct Redaction: Sendable {
        public var replacement: String = "[REDACTED]"
        /// Built-in rules turned off: `password_fields`, `bearer_tokens`, `api_keys`, `card_numbers`.
        public var disable: [String] = []
        public var rules: [(name: String, pattern: String, replacement: String?, fields: [String]?, contains: String?)] = []
        public init() {}
    }

    public init() {}

    public struct Listener: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case udp, tcp, unix
            case unixDatagram = "unix-dgram"
        }

        public var name: String
        public var kind: Kind
        /// `host:port` for udp/tcp (`[::1]:5514` for IPv6).
        public var host: String = "127.0.0.1"
        public var port: Int = 5514
        /// Socket path for unix and unix-dgram.
        public var path: String = ""
        public var maximumLineLength: Int = 65_536
        public var receiveBufferSize: Int = 8 << 20
        /// Permissions of a Unix socket file.
        public var socketMode: Int = 0o666

        public init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }

        public static let defaults: [Listener] = {
            var udp = Listener(name: "udp", kind: .udp)
            udp.port = 5514
            var tcp = Listener(name: "tcp", kind: .tcp)
            tcp.port = 5514
            var unix = Listener(name: "unix", kind: .unix)
            unix.path = "vigil.sock"
            var dgram = Listener(name: "unix-dgram", kind: .unixDatagram)
            dgram.path = "log.sock"
            return [udp, tcp, unix, dgram]
        }()
    }

    public struct HTTP: Sendable, Equatable {
        public var host: String = "127.0.0.1"
        public var port: Int = 8514
        public var maximumBodySize: Int = 16 << 20
        /// Bearer tokens for `POST /api/v1/events`. When any is set, ingest requires one; the token's
        /// name becomes the listener name of the lines it posts, so routes can pick a parser per source.
        public var tokens: [Token] = []
        public init() {}

        public struct Token: Sendable, Equatable {
            public var name: String
            public var secret: String
            public init(name: String, secret: String) {
                self.name = name
                self.secret = secret
            }
        }
    }

    public struct Store: Sendable, Equatable {
        public var partitionEvents: Int64 = 500_000
        public var partitionSeconds: Int64 = 3600
        public var batchSize: Int = 4_000
        public var flushInterval: Double = 0.05
        public var queueCapacity: Int = 8_000
        public init() {}
    }

    /// Chooses the parser and labels for lines; the first matching route wins.
    public struct Route: Sendable, Equatable {
        /// Listener name to match; `nil` matches any.
        public var listener: String?
        public var parser: String = "json"
        /// When set, a line the parser rejects is stored as `unparsed` with the error.
        public var requireParser: Bool = false
        public var kind: String?
        public var source: String?
        /// IANA zone for timestamps without one (RFC 3164).
        public var timeZone: String = "UTC"
        public var keepRaw: Bool = true
        /// Syslog app name (tag) to match, `*` wildcards.
        public var app: String?
        /// Sending host to match, `*` wildcards.
        public var host: String?
        /// Filter-language condition on the envelope (`app`, `host`, `severity`, `message`, `source`).
        public var filter: String?
        public init() {}
    }

    /// Resolves relative socket paths and the data directory against `base`.
    public func resolvingPaths(relativeTo base: String) -> VigilConfiguration {
        var copy = self
        func absolute(_ path: String, _ root: String) -> String {
            path.hasPrefix("/") ? path : root + "/" + path
        }
        copy.dataDirectory = absolute(dataDirectory, base)
        for i in copy.listeners.indices where !copy.listeners[i].path.isEmpty {
            copy.listeners[i].path = absolute(copy.listeners[i].path, copy.dataDirectory)
        }
        return copy
    }
}
