import VigilCore

/// Turns one received line from a kind of source into an audit event.
///
/// Parsers are pure: no I/O, no clock, no globals. Everything they need comes in ``ParserInput``
/// (the line with its receive time and peer, and its parsed syslog envelope). They start from
/// ``ParserInput/makeEvent(action:)`` so `time` already holds the header time (or the receive time)
/// and override it only with a time found in the payload; ``LineProcessor`` fills `source`, `host`,
/// `app`, `severity`, `raw` and the envelope attributes afterwards.
public protocol SourceParser: Sendable {
    /// Name used in configuration and metrics, e.g. `"json"`.
    static var name: String { get }

    /// - Throws: ``ConfigurationError`` naming the option that is wrong.
    init(configuration: ParserConfiguration) throws(ConfigurationError)

    /// Cheap check on the envelope and the first bytes of the message; must not allocate.
    func accepts(_ input: ParserInput) -> Bool

    /// - Throws: ``ParseError`` when the message is not in this parser's dialect.
    func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent
}
