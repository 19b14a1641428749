import VigilCore

/// The per-line path from a received frame to an audit event: envelope, route, parser, defaults.
///
/// ```
/// ReceivedLine ─► strip NULs/newline ─► SyslogHeaderParser ─► first matching Route ─► SourceParser
///                                            │ header error            │ parser error
///                                            ▼                         ▼
///                                         unparsed          unparsed (required) / message
/// ```
///
/// Nothing throws out of ``process(_:)``: every line yields exactly one event. `id`, `prev_hash` and
/// `hash` are left for the writer.
public struct LineProcessor: Sendable {
    /// Action of events whose payload no parser read on a route that does not require one.
    public static let messageAction = "message"

    private let routes: [Route]
    private let parsers: [String: any SourceParser]
    /// Per route, the header options with the zone resolved once.
    private let headerOptions: [SyslogParserOptions]

    /// - Parameters:
    ///   - routes: tried in order; the first whose listener matches wins; ``Route/fallback`` otherwise.
    ///   - parsers: parser instances by name. A route naming a missing parser treats every line as unreadable.
    public init(routes: [Route], parsers: [String: any SourceParser]) {
        self.routes = routes + [Route.fallback]
        var parsers = parsers
        if parsers[JSONSourceParser.name] == nil, let json = try? JSONSourceParser(configuration: ParserConfiguration()) {
            parsers[JSONSourceParser.name] = json
        }
        self.parsers = parsers
        self.headerOptions = self.routes.map { route in
            SyslogParserOptions(timeZone: route.timeZone, reference: Timestamp(microseconds: 0))
        }
    }

    /// Builds the parsers the routes name from ``ParserRegistry``.
    /// - Parameters:
    ///   - routes: as for ``init(routes:parsers:)``.
    ///   - configurations: options per parser name; parsers not listed get empty options.
    /// - Throws: ``ConfigurationError`` when a route names an unknown parser (path `routes[i].parser`)
    ///   or a parser rejects its options.
    public init(routes: [Route], configurations: [String: ParserConfiguration] = [:]) throws(ConfigurationError) {
        var parsers: [String: any SourceParser] = [:]
        for (index, route) in routes.enumerated() where parsers[route.parser] == nil {
            guard ParserRegistry.type(named: route.parser) != nil else {
                throw ConfigurationError.unknownParser(route.parser, known: ParserRegistry.names)
                    .prefixed(by: "routes[\(index)]")
            }
            parsers[route.parser] = try ParserRegistry.make(
                name: route.parser, configuration: configurations[route.parser] ?? ParserConfiguration())
        }
        self.init(routes: routes, parsers: parsers)
    }

    /// Turns one line into one event; never throws.
    public func process(_ line: ReceivedLine) -> AuditEvent {
        let routeIndex = routes.firstIndex { $0.matches(line.listener) } ?? routes.count - 1
        let route = routes[routeIndex]
        var options = headerOptions[routeIndex]
        options.reference = line.received

        // Senders add NULs and newlines around frames: they are framing, not content.
        let bytes = line.bytes
        var start = 0
        var end = bytes.count
        while start < end && bytes[start] == 0 { start += 1 }
        while end > start && (bytes[end - 1] == 0 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        let frame = start == 0 && end == bytes.count ? bytes : Array(bytes[start..<end])
        let syslog = SyslogHeaderParser.parse(frame, options: options)
        let input = ParserInput(line: line, syslog: syslog, timeZone: route.timeZone)

        var event: AuditEvent
        if let headerError = syslog.error {
            event = input.makeEvent(action: AuditEvent.unparsedAction)
            event.error = headerError
            event.message = syslog.message
        } else {
            event = run(route, on: input)
        }
        complete(&event, route: route, input: input)
        if route.keepRaw { event.raw = String(decoding: frame, as: UTF8.self) }
        return event
    }

    private func run(_ route: Route, on input: ParserInput) -> AuditEvent {
        let failure: ParseError
        if let parser = parsers[route.parser] {
            if parser.accepts(input) {
                do {
                    return try parser.parse(input)
                } catch {
                    failure = error
                }
            } else {
                failure = ParseError(parser: route.parser, reason: "the message is not in this parser's format")
            }
        } else {
            failure = ParseError(parser: route.parser, reason: "no parser with this name is configured")
        }
        var event = input.makeEvent(action: route.requireParser ? AuditEvent.unparsedAction : Self.messageAction)
        if route.requireParser { event.error = failure.description }
        event.message = input.syslog.message
        return event
    }

    /// Fills what the parser left empty from the envelope and the route, and adds the envelope attributes.
    private func complete(_ event: inout AuditEvent, route: Route, input: ParserInput) {
        let syslog = input.syslog
        let line = input.line
        event.received = line.received
        event.source = route.source ?? line.listener
        event.kind = route.kind ?? event.kind
        event.host = event.host ?? syslog.hostname ?? line.peer?.host
        event.app = event.app ?? syslog.appName
        if event.severity == nil, !syslog.isPriorityDefaulted, let severity = syslog.severity {
            event.severity = Severity.fromSyslog(severity)
        }
        if event.message?.isEmpty == true { event.message = nil }

        if syslog.hasHeader {
            var envelope: [String: JSONValue] = [:]
            if !syslog.isPriorityDefaulted {
                if let facility = syslog.facility { envelope["facility"] = .int(Int64(facility)) }
                if let severity = syslog.severity { envelope["severity"] = .int(Int64(severity)) }
            }
            if let procID = syslog.procID { envelope["procid"] = .string(procID) }
            if let msgID = syslog.msgID { envelope["msgid"] = .string(msgID) }
            if !syslog.structuredData.isEmpty { envelope["structured_data"] = syslog.structuredDataJSON }
            if !envelope.isEmpty { event.attrs["syslog"] = .object(envelope) }
        }
        if let peer = line.peer, peer.jsonValue != .object([:]) { event.attrs["peer"] = peer.jsonValue }
        if let original = line.truncatedFrom {
            event.attrs["truncated"] = .bool(true)
            event.attrs["original_length"] = .int(Int64(original))
        }
        event.id = EventID(high: 0, low: 0)
        event.prevHash = nil
        event.hash = nil
    }
}
