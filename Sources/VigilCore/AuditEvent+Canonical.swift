/// The canonical encoding on the ingest path: the same bytes as `encode(into:includeChain:)` with a
/// `JSONWriter`, written through a `JSONRowBuffer` that a batch of events reuses (room reserved once per
/// value instead of checked on every append, and no array of sorted members per object), then copied
/// once into an array of exactly its size.
extension AuditEvent {
    /// ``canonicalEncoding``, written through `buffer` (which is cleared first and may be reused).
    public func canonicalEncoding(using buffer: inout JSONRowBuffer) -> CanonicalEncoding {
        buffer.removeAll()
        var ranges = EncodedRanges()
        var spans = TextSpans()
        encodeCanonical(into: &buffer, ranges: &ranges, spans: &spans)
        let bytes = [UInt8](buffer.bytes)
        return CanonicalEncoding(
            bytes: bytes, id: ranges.id, attrs: ranges.attrs, changes: ranges.changes, textSpans: spans)
    }

    /// Writes a text field and notes where its value stands, when it went in without an escape.
    @inline(__always)
    private static func text(
        _ b: inout JSONRowBuffer, _ spans: inout TextSpans, _ field: TextField, _ prefix: StaticString,
        _ value: String?
    ) {
        guard let value else {
            spans[field] = 0
            return
        }
        let before = b.count
        b.appendString(prefix: prefix, value)
        let length = value.utf8.count
        let start = before + prefix.utf8CodeUnitCount + 1
        let verbatim = b.count - before == prefix.utf8CodeUnitCount + length + 2
        spans[field] = verbatim && start <= Int(UInt32.max) && length <= Int(UInt32.max)
            ? UInt64(start) << 32 | UInt64(length) : TextSpans.useField
    }

    private func encodeCanonical(into b: inout JSONRowBuffer, ranges: inout EncodedRanges, spans: inout TextSpans) {
        b.append("{\"id\":\"")
        let idStart = b.count
        self.id.appendText(to: &b)
        ranges.id = idStart..<b.count
        b.appendTime(prefix: "\",\"time\":", self.time)
        b.appendTime(prefix: ",\"received\":", self.received)
        Self.text(&b, &spans, .source, ",\"source\":", self.source)
        Self.text(&b, &spans, .kind, ",\"kind\":", self.kind)
        Self.text(&b, &spans, .host, ",\"host\":", self.host)
        Self.text(&b, &spans, .app, ",\"app\":", self.app)
        Self.text(&b, &spans, .actor, ",\"actor\":", self.actor)
        Self.text(&b, &spans, .actorID, ",\"actor_id\":", self.actorID)
        Self.text(&b, &spans, .actorRole, ",\"actor_role\":", self.actorRole)
        Self.text(&b, &spans, .actorType, ",\"actor_type\":", self.actorType)
        Self.text(&b, &spans, .impersonator, ",\"impersonator\":", self.impersonator)
        Self.text(&b, &spans, .session, ",\"session\":", self.session)
        Self.text(&b, &spans, .action, ",\"action\":", self.action)
        Self.text(&b, &spans, .category, ",\"category\":", self.category)
        Self.text(&b, &spans, .entityType, ",\"entity_type\":", self.entityType)
        Self.text(&b, &spans, .entityID, ",\"entity_id\":", self.entityID)
        Self.text(&b, &spans, .entityName, ",\"entity_name\":", self.entityName)
        Self.text(&b, &spans, .outcome, ",\"outcome\":", self.outcome)
        Self.text(&b, &spans, .severity, ",\"severity\":", self.severity)
        Self.text(&b, &spans, .ip, ",\"ip\":", self.ip)
        Self.text(&b, &spans, .userAgent, ",\"user_agent\":", self.userAgent)
        Self.text(&b, &spans, .method, ",\"method\":", self.method)
        Self.text(&b, &spans, .url, ",\"url\":", self.url)
        if let v = self.status { b.appendInt(prefix: ",\"status\":", Int64(v)) }
        if let v = self.durationMS { b.appendDouble(prefix: ",\"duration_ms\":", v) }
        if let v = self.bytes { b.appendInt(prefix: ",\"bytes\":", v) }
        if !self.changes.isEmpty {
            b.append(",\"changes\":")
            let start = b.count
            b.append(UInt8(ascii: "["))
            for (i, change) in self.changes.enumerated() {
                b.appendString(prefix: i > 0 ? ",{\"field\":" : "{\"field\":", change.field)
                if let new = change.new {
                    b.append(",\"new\":")
                    b.appendJSON(new)
                }
                if let old = change.old {
                    b.append(",\"old\":")
                    b.appendJSON(old)
                }
                b.append(UInt8(ascii: "}"))
            }
            b.append(UInt8(ascii: "]"))
            ranges.changes = start..<b.count
        }
        Self.text(&b, &spans, .message, ",\"message\":", self.message)
        if !self.attrs.isEmpty {
            b.append(",\"attrs\":")
            let start = b.count
            b.appendJSON(object: self.attrs)
            ranges.attrs = start..<b.count
        }
        Self.text(&b, &spans, .raw, ",\"raw\":", self.raw)
        Self.text(&b, &spans, .error, ",\"error\":", self.error)
        b.append(UInt8(ascii: "}"))
    }
}
