import VigilCore

/// The `wrapper` parser: events that `vigil run` built itself (job starts and ends, wrapped CLI
/// commands) arrive as canonical event JSON under the syslog app name `vigil-run`, and are taken
/// as they are — with their own `time` (a spooled event keeps the time it happened), `kind` and
/// `attrs`. Ids, chain links, `received` and the sender's credentials are added by Vigil as for any line.
///
/// A built-in route sends `vigil-run` lines here on every listener; a configured route with
/// `app: vigil-run` replaces it.
public struct WrapperParser: SourceParser {
    public static let name = "wrapper"
    /// The syslog APP-NAME `vigil run` sends under.
    public static let appName = "vigil-run"

    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: [])
    }

    public func accepts(_ input: ParserInput) -> Bool {
        input.syslog.message.utf8.first == UInt8(ascii: "{")
    }

    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        var event: AuditEvent
        do {
            event = try AuditEvent(json: Array(input.syslog.message.utf8))
        } catch {
            throw ParseError(parser: Self.name, reason: "not a canonical event: \(error)")
        }
        event.received = input.line.received
        return event
    }
}
