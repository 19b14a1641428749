import VigilCore
import VigilStore

/// Rows of `GET /api/v1/export`: CSV with one column per event field, or canonical JSONL.
enum ExportWriter {
    enum Format: String {
        case csv, jsonl
    }

    static let csvColumns = [
        "id", "time", "received", "source", "kind", "host", "app", "actor", "actor_id", "actor_role", "actor_type",
        "impersonator", "session", "action", "category", "entity_type", "entity_id", "entity_name", "outcome", "severity",
        "ip", "user_agent", "method", "url", "status", "duration_ms", "bytes", "changes", "message", "attrs", "error", "hash",
    ]

    static func header(_ format: Format) -> [UInt8] {
        format == .csv ? Array((csvColumns.joined(separator: ",") + "\r\n").utf8) : []
    }

    static func append(_ e: AuditEvent, _ format: Format, to out: inout [UInt8]) {
        switch format {
        case .jsonl:
            var w = JSONWriter(capacity: 1024)
            e.encode(into: &w, includeChain: true)
            out += w.bytes
            out.append(0x0A)
        case .csv:
            let changes = e.changes.isEmpty ? nil : HTML.jsonText(AuditEvent.changesJSON(e.changes))
            let attrs = e.attrs.isEmpty ? nil : HTML.jsonText(.object(e.attrs))
            let cells: [String?] = [
                e.id.description, e.time.description, e.received.description, e.source, e.kind, e.host, e.app, e.actor,
                e.actorID, e.actorRole, e.actorType, e.impersonator, e.session, e.action, e.category, e.entityType,
                e.entityID, e.entityName, e.outcome, e.severity, e.ip, e.userAgent, e.method, e.url, e.status.map(String.init),
                e.durationMS.map(JSONWriter.format), e.bytes.map(String.init), changes, e.message, attrs, e.error,
                e.hash.map(WebPages.hex),
            ]
            for (i, cell) in cells.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let cell { appendCSV(cell, to: &out) }
            }
            out += [0x0D, 0x0A]
        }
    }

    /// One CSV cell: quoted when needed, and neutralised with a leading `'` when it starts with a
    /// character a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return).
    static func appendCSV(_ value: String, to out: inout [UInt8]) {
        let utf8 = value.utf8
        let first = utf8.first
        let risky = first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D
        let quote = risky || utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        if quote { out.append(0x22) }
        if risky { out.append(UInt8(ascii: "'")) }
        for byte in utf8 {
            if byte == 0x22 { out.append(0x22) }
            out.append(byte)
        }
        if quote { out.append(0x22) }
    }
}
