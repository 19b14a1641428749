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
        trace(line).event
    }

    /// What happened to one line: its event, the index of the route that took it (`routes.count` for
    /// the built-in fallback) and that route's parser — what `vigil parse` shows.
    public struct Trace: Sendable {
        public var event: AuditEvent
        public var routeIndex: Int
        public var route: Route
        public var isFallback: Bool
    }

    public func trace(_ line: ReceivedLine) -> Trace {
        // Senders add NULs and newlines around frames: they are framing, not content.
        let bytes = line.bytes
        var start = 0
        var end = bytes.count
        while start < end && bytes[start] == 0 { start += 1 }
        while end > start && (bytes[end - 1] == 0 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        let frame = start == 0 && end == bytes.count ? bytes : Array(bytes[start..<end])

        // The header is read with the zone of the first route for this listener; routes that match on
        // app, host or a filter are then decided on the parsed envelope.
        let firstIndex = routes.firstIndex { $0.matches(line.listener) } ?? routes.count - 1
        var options = headerOptions[firstIndex]
        options.reference = line.received
        var syslog = SyslogHeaderParser.parse(frame, options: options)
        var routeIndex = firstIndex
        if routes[firstIndex].dependsOnHeader {
            var preview: AuditEvent?
            routeIndex = routes.indices.first { i in
                routes[i].matches(line, syslog) {
                    if let preview { return preview }
                    let made = Self.preview(line, syslog)
                    preview = made
                    return made
                }
            } ?? routes.count - 1
        }
        let route = routes[routeIndex]
        if routeIndex != firstIndex, route.timeZone != routes[firstIndex].timeZone, syslog.timestampLacksZone {
            options = headerOptions[routeIndex]
            options.reference = line.received
            syslog = SyslogHeaderParser.parse(frame, options: options)
        }
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
        return Trace(event: event, routeIndex: routeIndex, route: route, isFallback: routeIndex == routes.count - 1)
    }

    /// What a route filter sees before parsing: the envelope as an event.
    static func preview(_ line: ReceivedLine, _ syslog: SyslogMessage) -> AuditEvent {
        var event = AuditEvent(time: syslog.timestamp ?? line.received, received: line.received, source: line.listener)
        event.host = syslog.hostname ?? line.peer?.host
        event.app = syslog.appName
        event.message = syslog.message
        if !syslog.isPriorityDefaulted, let severity = syslog.severity {
            event.severity = Severity.fromSyslog(severity)
            var envelope: [String: JSONValue] = ["severity": .int(Int64(severity))]
            if let facility = syslog.facility { envelope["facility"] = .int(Int64(facility)) }
            event.attrs["syslog"] = .object(envelope)
        }
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
            // Sized once: growing from empty rehashes at every one of up to five members.
            var envelope = [String: JSONValue](minimumCapacity: 5)
            if !syslog.isPriorityDefaulted {
                if let facility = syslog.facility { envelope["facility"] = .int(Int64(facility)) }
                if let severity = syslog.severity { envelope["severity"] = .int(Int64(severity)) }
            }
            if let procID = syslog.procID { envelope["procid"] = .string(procID) }
            if let msgID = syslog.msgID { envelope["msgid"] = .string(msgID) }
            if !syslog.structuredData.isEmpty { envelope["structured_data"] = syslog.structuredDataJSON }
            if !envelope.isEmpty { event.attrs["syslog"] = .object(envelope) }
        }
        if let peer = line.peer, !peer.isEmpty { event.attrs["peer"] = peer.jsonValue }
        if let original = line.truncatedFrom {
            event.attrs["truncated"] = .bool(true)
            event.attrs["original_length"] = .int(Int64(original))
        }
        event.id = EventID(high: 0, low: 0)
        event.prevHash = nil
        event.hash = nil
    }
}
