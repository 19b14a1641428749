import Foundation
import VigilCore

extension LineProcessor {
    /// Which parser handles the lines of a listener, and how their events are labelled.
    public struct Route: Sendable {
        /// Listener name this route applies to; `nil` matches every listener.
        public var listener: String?
        /// Name of the parser to run (a key of the processor's parsers).
        public var parser: String
        /// When `true`, a line the parser cannot read becomes an `unparsed` event with the error;
        /// when `false`, it becomes a plain `message` event.
        public var requireParser: Bool
        /// The event `kind` (`web`, `api`, `cron`, ...).
        public var kind: String?
        /// The event `source`; defaults to the listener name.
        public var source: String?
        /// Zone for header and payload times without a UTC offset.
        public var timeZone: TimeZone
        /// Keep the whole line (without framing NULs and trailing newline) in `raw`.
        public var keepRaw: Bool
        /// Syslog APP-NAME / tag to match (`*` wildcards); `nil` matches any.
        public var app: String?
        /// Sending host to match (`*` wildcards); `nil` matches any.
        public var host: String?
        /// A filter over what is known before parsing (`source` = listener, `host`, `app`, `severity`,
        /// `message`, `attrs.syslog.*`); `nil` matches any.
        public var filter: FilterPredicate?

        public init(
            listener: String? = nil, parser: String = JSONSourceParser.name, requireParser: Bool = false,
            kind: String? = nil, source: String? = nil, timeZone: TimeZone = .gmt, keepRaw: Bool = true
        ) {
            self.listener = listener
            self.parser = parser
            self.requireParser = requireParser
            self.kind = kind
            self.source = source
            self.timeZone = timeZone
            self.keepRaw = keepRaw
        }

        /// The same route, matched also by app name, host or a filter.
        public func matching(app: String?, host: String?, filter: FilterPredicate?) -> Route {
            var copy = self
            copy.app = app
            copy.host = host
            copy.filter = filter
            return copy
        }

        /// Whether the route needs the syslog header to decide (not just the listener).
        var dependsOnHeader: Bool { app != nil || host != nil || filter != nil }

        /// The route used when none matches: json, not required.
        public static let fallback = Route()

        func matches(_ listenerName: String) -> Bool {
            listener == nil || listener == listenerName
        }

        /// Full match on the listener and the parsed envelope; `preview` is built only when a filter needs it.
        func matches(_ line: ReceivedLine, _ syslog: SyslogMessage, preview: () -> AuditEvent) -> Bool {
            guard matches(line.listener) else { return false }
            if let app, !Glob.matches(app, syslog.appName ?? "") { return false }
            if let host, !Glob.matches(host, syslog.hostname ?? line.peer?.host ?? "") { return false }
            if let filter, !filter.matches(preview()) { return false }
            return true
        }
    }
}
