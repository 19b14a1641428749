import Foundation

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

        /// The route used when none matches: json, not required.
        public static let fallback = Route()

        func matches(_ listenerName: String) -> Bool {
            listener == nil || listener == listenerName
        }
    }
}
