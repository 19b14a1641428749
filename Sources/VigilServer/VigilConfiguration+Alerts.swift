import VigilAlerts
import VigilCore

extension VigilConfiguration {
    /// `alerts:` — rule files and notifiers.
    public struct Alerts: Sendable {
        /// The rules loaded from `alerts.rules` (files or directories of `*.yaml`).
        public var rules: [AlertRule] = []
        /// Where they came from, resolved against the configuration file's directory.
        public var ruleSources: [String] = []
        public var notifiers: [Notifier] = []
        /// How often window state is saved to `DATA_DIR/alerts/state.json` (and at shutdown).
        public var stateInterval: Double = 10
        /// Most groups one rule tracks at once.
        public var maximumGroups: Int = 100_000
        /// How long shutdown waits for queued notifications.
        public var drainTimeout: Double = 5

        public init() {}

        /// One configured notifier: `name`, `type` and the type's options, plus queue and retry policy.
        public struct Notifier: Sendable {
            public var name: String
            public var kind: String
            public var options: [String: JSONValue]
            public var policy: AlertDispatcher.Policy

            public init(name: String, kind: String, options: [String: JSONValue], policy: AlertDispatcher.Policy = .init()) {
                self.name = name
                self.kind = kind
                self.options = options
                self.policy = policy
            }

            /// The notifier, built from its options.
            public func make() throws(AlertError) -> any VigilAlerts.Notifier {
                try NotifierRegistry.make(kind: kind, name: name, options: options)
            }
        }
    }
}
