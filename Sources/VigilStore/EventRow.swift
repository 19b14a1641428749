import VigilCore

/// Decodes an `events` row (columns in `Schema.columns` order) into an event.
enum EventRow {
    static let selectList = Schema.columns.joined(separator: ",")

    static func decode(_ s: SQLiteStatement) -> AuditEvent {
        func text(_ i: Int32) -> String? { s.text(i) }
        let id = text(1).flatMap { EventID($0) } ?? EventID(high: 0, low: 0)
        var e = AuditEvent(
            id: id, time: Timestamp(microseconds: s.int(2)), received: Timestamp(microseconds: s.int(3)),
            source: text(4) ?? "", action: text(14) ?? "")
        e.kind = text(5)
        e.host = text(6)
        e.app = text(7)
        e.actor = text(8)
        e.actorID = text(9)
        e.actorRole = text(10)
        e.actorType = text(11)
        e.impersonator = text(12)
        e.session = text(13)
        e.category = text(15)
        e.entityType = text(16)
        e.entityID = text(17)
        e.entityName = text(18)
        e.outcome = text(19)
        e.severity = text(20)
        e.ip = text(21)
        e.userAgent = text(23)
        e.method = text(24)
        e.url = text(25)
        e.status = s.isNull(26) ? nil : Int(s.int(26))
        e.durationMS = s.isNull(27) ? nil : s.double(27)
        e.bytes = s.isNull(28) ? nil : s.int(28)
        if let changes = text(29), let value = try? JSONParser.parse(changes) {
            e.changes = AuditEvent.changes(from: value)
        }
        e.message = text(30)
        if let attrs = text(31), let value = try? JSONParser.parse(attrs) {
            e.attrs = value.objectValue ?? [:]
        }
        e.raw = text(32)
        e.error = text(33)
        e.prevHash = s.blob(34)
        e.hash = s.blob(35)
        return e
    }
}
