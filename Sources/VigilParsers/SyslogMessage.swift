import VigilCore

/// One frame's syslog envelope as read by ``SyslogHeaderParser``: the header fields that were present,
/// the message text, and the first format error found, if any.
///
/// The parser fills what it could read even when it sets ``error`` (best effort), so a caller can
/// still route on `appName` or keep the PRI of a malformed line.
public struct SyslogMessage: Sendable, Equatable {
    /// Which header the frame carried.
    public enum Format: String, Sendable, Equatable {
        /// `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]` (RFC 5424).
        case rfc5424
        /// `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG` and its real-world variants (RFC 3164).
        case rfc3164
        /// No syslog header: the whole frame is the message.
        case none
    }

    public var format: Format
    /// The PRI value 0...191; `13` (user.notice) for a BSD line without PRI, see ``isPriorityDefaulted``.
    public var priority: Int?
    /// `true` when a BSD line had no `<PRI>` and ``priority`` holds the conventional default 13.
    public var isPriorityDefaulted: Bool
    /// RFC 5424 VERSION.
    public var version: Int?
    /// The header's instant. For year-less or zone-less BSD times it is resolved with the parser options.
    public var timestamp: Timestamp?
    /// The source time carried no UTC offset; the configured time zone was applied.
    public var timestampLacksZone: Bool
    /// The source time carried no year; the year closest to the receive time was chosen.
    public var timestampLacksYear: Bool
    public var hostname: String?
    /// RFC 5424 APP-NAME, or the BSD TAG's program name (`sshd` in `sshd[123]:`).
    public var appName: String?
    /// RFC 5424 PROCID, or the BSD TAG's `[pid]`.
    public var procID: String?
    public var msgID: String?
    /// RFC 5424 SD-ELEMENTs in order, values unescaped.
    public var structuredData: [StructuredDataElement]
    /// MSG as text: invalid UTF-8 is replaced with U+FFFD; an RFC 5424 leading BOM is removed.
    public var message: String
    /// Set when the frame claims a format but breaks it: a sentence naming the problem.
    public var error: String?
    /// Byte offset (in the stripped frame) where ``error`` was detected.
    public var errorOffset: Int?

    public init(
        format: Format = .none, priority: Int? = nil, isPriorityDefaulted: Bool = false, version: Int? = nil,
        timestamp: Timestamp? = nil, timestampLacksZone: Bool = false, timestampLacksYear: Bool = false,
        hostname: String? = nil, appName: String? = nil, procID: String? = nil, msgID: String? = nil,
        structuredData: [StructuredDataElement] = [], message: String = "", error: String? = nil,
        errorOffset: Int? = nil
    ) {
        self.format = format
        self.priority = priority
        self.isPriorityDefaulted = isPriorityDefaulted
        self.version = version
        self.timestamp = timestamp
        self.timestampLacksZone = timestampLacksZone
        self.timestampLacksYear = timestampLacksYear
        self.hostname = hostname
        self.appName = appName
        self.procID = procID
        self.msgID = msgID
        self.structuredData = structuredData
        self.message = message
        self.error = error
        self.errorOffset = errorOffset
    }

    /// `priority >> 3`.
    public var facility: Int? { priority.map { $0 >> 3 } }

    /// `priority & 7` (0 emergency ... 7 debug).
    public var severity: Int? { priority.map { $0 & 7 } }

    /// `true` when a header was recognised (even a broken one).
    public var hasHeader: Bool { format != .none }

    /// Structured data as `{sd-id: {param: value}}`; a repeated param keeps its last value.
    public var structuredDataJSON: JSONValue {
        var elements: [String: JSONValue] = [:]
        for element in structuredData {
            var params: [String: JSONValue] = [:]
            for param in element.parameters { params[param.name] = .string(param.value) }
            elements[element.id] = .object(params)
        }
        return .object(elements)
    }
}

/// One RFC 5424 SD-ELEMENT: `[id name="value" ...]`.
public struct StructuredDataElement: Sendable, Equatable {
    public var id: String
    /// Parameters in order; values are unescaped (`\"`, `\\`, `\]`).
    public var parameters: [StructuredDataParameter]

    public init(id: String, parameters: [StructuredDataParameter] = []) {
        self.id = id
        self.parameters = parameters
    }

    /// The value of the last parameter called `name`.
    public subscript(name: String) -> String? {
        parameters.last { $0.name == name }?.value
    }
}

/// One `name="value"` pair of an SD-ELEMENT.
public struct StructuredDataParameter: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
