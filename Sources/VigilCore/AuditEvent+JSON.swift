/// Canonical JSON encoding of events (DESIGN.md: one JSON object per line, snake_case).
///
/// Fields are written in a fixed order, `nil` fields are omitted, and `attrs` keys are sorted,
/// so an event always encodes to the same bytes. That encoding without `prev_hash` and `hash`
/// is what the hash chain digests.
extension AuditEvent {
    /// The JSON field names, in canonical order.
    public static let fieldNames: [String] = [
        "id", "time", "received", "source", "kind", "host", "app", "actor", "actor_id", "actor_role", "actor_type",
        "impersonator", "session", "action", "category", "entity_type", "entity_id", "entity_name", "outcome",
        "severity", "ip", "user_agent", "method", "url", "status", "duration_ms", "bytes", "changes", "message",
        "attrs", "raw", "error", "prev_hash", "hash",
    ]

    /// Compact JSON with the chain fields (for storage, export and the API).
    public func jsonBytes(includeChain: Bool = true) -> [UInt8] {
        var writer = JSONWriter(capacity: encodedSizeEstimate + (includeChain ? 280 : 0))
        encode(into: &writer, includeChain: includeChain)
        return writer.bytes
    }

    /// A little more than the canonical encoding's usual size, so that the buffer is allocated once and
    /// not doubled (events wait in the writer's queue with their encoding: capacity is memory).
    var encodedSizeEstimate: Int {
        192 + (raw?.utf8.count ?? 0) * 5 / 2 + (message?.utf8.count ?? 0) + attrs.count * 40 + changes.count * 64
    }

    /// The canonical bytes and where the `id`, `attrs` and `changes` JSON sit in them, so the store can
    /// take those columns from the encoding instead of writing them again.
    public struct CanonicalEncoding: Sendable {
        public var bytes: [UInt8]
        /// The id's 26 characters.
        public var id: Range<Int>
        public var attrs: Range<Int>?
        public var changes: Range<Int>?
        /// Where each text field's value stands in `bytes`, for the store to bind it from there.
        public var textSpans = TextSpans()
    }

    /// The text fields whose canonical JSON may hold their value verbatim, in column order.
    public enum TextField: Int, CaseIterable, Sendable {
        case source, kind, host, app, actor, actorID, actorRole, actorType, impersonator, session, action, category
        case entityType, entityID, entityName, outcome, severity, ip, userAgent, method, url, message, raw, error
    }

    /// Per text field: `0` when the field is `nil`, ``useField`` when its value must be read from the
    /// event (it was escaped in the JSON, or the encoder did not record it), else the byte offset
    /// (high 32 bits) and length (low 32 bits) of its unescaped UTF-8 in the encoding.
    public struct TextSpans: Sendable {
        public static let useField = UInt64.max
        private var spans = InlineArray<24, UInt64>(repeating: TextSpans.useField)

        public init() {}

        public subscript(field: TextField) -> UInt64 {
            get { spans[field.rawValue] }
            set { spans[field.rawValue] = newValue }
        }
    }

    /// ``canonicalBytes`` with the ranges of its `id`, `attrs` and `changes` values and the spans of its
    /// text fields (see `canonicalEncoding(using:)`, which reuses a buffer across a batch).
    public var canonicalEncoding: CanonicalEncoding {
        var buffer = JSONRowBuffer(capacity: encodedSizeEstimate)
        defer { buffer.deallocate() }
        return canonicalEncoding(using: &buffer)
    }

    struct EncodedRanges {
        var id: Range<Int> = 0..<0
        var attrs: Range<Int>?
        var changes: Range<Int>?
    }

    public var jsonString: String { String(decoding: jsonBytes(), as: UTF8.self) }

    /// The bytes the hash chain digests: the canonical event without `prev_hash` and `hash`.
    public var canonicalBytes: [UInt8] { jsonBytes(includeChain: false) }

    public func encode(into w: inout JSONWriter, includeChain: Bool) {
        w.raw("{\"id\":\"")
        id.appendText(to: &w.bytes)
        w.raw("\"")
        w.raw(",\"time\":\"")
        time.appendRFC3339(to: &w.bytes)
        w.raw("\",\"received\":\"")
        received.appendRFC3339(to: &w.bytes)
        w.raw("\"")
        w.raw(",\"source\":")
        w.write(source)
        func field(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            w.raw(",\"")
            w.raw(name)
            w.raw("\":")
            w.write(value)
        }
        field("kind", kind)
        field("host", host)
        field("app", app)
        field("actor", actor)
        field("actor_id", actorID)
        field("actor_role", actorRole)
        field("actor_type", actorType)
        field("impersonator", impersonator)
        field("session", session)
        field("action", action)
        field("category", category)
        field("entity_type", entityType)
        field("entity_id", entityID)
        field("entity_name", entityName)
        field("outcome", outcome)
        field("severity", severity)
        field("ip", ip)
        field("user_agent", userAgent)
        field("method", method)
        field("url", url)
        if let status {
            w.raw(",\"status\":")
            w.write(Int64(status))
        }
        if let durationMS {
            w.raw(",\"duration_ms\":")
            w.write(durationMS)
        }
        if let bytes {
            w.raw(",\"bytes\":")
            w.write(bytes)
        }
        if !changes.isEmpty {
            w.raw(",\"changes\":")
            w.write(changes: changes)
        }
        field("message", message)
        if !attrs.isEmpty {
            w.raw(",\"attrs\":")
            w.write(object: attrs)
        }
        field("raw", raw)
        field("error", error)
        if includeChain {
            if let prevHash { field("prev_hash", Hex.encode(prevHash)) }
            if let hash { field("hash", Hex.encode(hash)) }
        }
        w.raw("}")
    }

    public static func changesJSON(_ changes: [Change]) -> JSONValue {
        .array(
            changes.map { change in
                var object: [String: JSONValue] = ["field": .string(change.field)]
                if let old = change.old { object["old"] = old }
                if let new = change.new { object["new"] = new }
                return .object(object)
            })
    }

    public static func changes(from value: JSONValue?) -> [Change] {
        guard let elements = value?.arrayValue else { return [] }
        return elements.compactMap { element in
            guard let field = element["field"]?.scalarText else { return nil }
            return Change(field: field, old: element["old"], new: element["new"])
        }
    }

    public enum DecodingError: Error, Sendable, CustomStringConvertible {
        case notAnObject
        case missingField(String)
        case invalidField(String, String)
        case invalidJSON(JSONParser.Error)

        public var description: String {
            switch self {
            case .notAnObject: return "an event must be a JSON object"
            case .missingField(let name): return "the event has no '\(name)' field"
            case .invalidField(let name, let why): return "the event's '\(name)' field is invalid: \(why)"
            case .invalidJSON(let error): return error.description
            }
        }
    }

    /// Decodes the canonical JSON form (as written by `jsonBytes`).
    public init(json bytes: some Collection<UInt8>) throws(DecodingError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(jsonValue: value)
    }

    public init(jsonValue value: JSONValue) throws(DecodingError) {
        guard case .object(let o) = value else { throw .notAnObject }
        func string(_ key: String) -> String? { o[key]?.stringValue }
        func time(_ key: String) throws(DecodingError) -> Timestamp {
            guard let text = string(key) else { throw .missingField(key) }
            guard let t = Timestamp.parse(text) else { throw .invalidField(key, "not an RFC 3339 time") }
            return t
        }
        guard let idText = string("id") else { throw .missingField("id") }
        guard let id = EventID(idText) else { throw .invalidField("id", "not a ULID") }
        self.init(
            id: id, time: try time("time"), received: try time("received"), source: string("source") ?? "default",
            action: string("action") ?? "unknown")
        kind = string("kind")
        host = string("host")
        app = string("app")
        actor = string("actor")
        actorID = string("actor_id")
        actorRole = string("actor_role")
        actorType = string("actor_type")
        impersonator = string("impersonator")
        session = string("session")
        category = string("category")
        entityType = string("entity_type")
        entityID = string("entity_id")
        entityName = string("entity_name")
        outcome = string("outcome")
        severity = string("severity")
        ip = string("ip")
        userAgent = string("user_agent")
        method = string("method")
        url = string("url")
        status = o["status"]?.intValue.map { Int($0) }
        durationMS = o["duration_ms"]?.numberValue
        bytes = o["bytes"]?.intValue
        changes = AuditEvent.changes(from: o["changes"])
        message = string("message")
        attrs = o["attrs"]?.objectValue ?? [:]
        raw = string("raw")
        error = string("error")
        prevHash = string("prev_hash").flatMap(Hex.decode)
        hash = string("hash").flatMap(Hex.decode)
    }
}

public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var i = 0
        while i < utf8.count {
            guard let h = nibble(utf8[i]), let l = nibble(utf8[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}

extension JSONWriter {
    /// The `changes` list as ``AuditEvent/changesJSON(_:)`` gives it (keys sorted: field, new, old),
    /// written without building the intermediate values.
    public mutating func write(changes: [AuditEvent.Change]) {
        bytes.append(UInt8(ascii: "["))
        for (i, change) in changes.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            raw("{\"field\":")
            write(change.field)
            if let new = change.new {
                raw(",\"new\":")
                write(new)
            }
            if let old = change.old {
                raw(",\"old\":")
                write(old)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
