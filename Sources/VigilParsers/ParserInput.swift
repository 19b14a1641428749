import Foundation
import VigilCore

/// What a ``SourceParser`` sees of one line: the line as received and its syslog envelope.
public struct ParserInput: Sendable {
    public var line: ReceivedLine
    /// The envelope; for header-less lines `format == .none` and `message` is the whole line.
    public var syslog: SyslogMessage
    /// The route's zone, for payload times without a UTC offset.
    public var timeZone: TimeZone

    public init(line: ReceivedLine, syslog: SyslogMessage, timeZone: TimeZone = .gmt) {
        self.line = line
        self.syslog = syslog
        self.timeZone = timeZone
    }

    /// An event whose `time` is the header time, else the receive time, and whose `received` is the
    /// receive time. Parsers start from it and override `time` only with a payload time.
    public func makeEvent(action: String = "unknown") -> AuditEvent {
        AuditEvent(time: syslog.timestamp ?? line.received, received: line.received, action: action)
    }
}
