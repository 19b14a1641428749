/// A filter compiled for events in memory (live tail, alert rules, drop rules): built once by
/// `Filter.predicate(now:)`, then `matches(_:)` per event with no parsing or lowercasing.
///
/// It agrees with the SQL back end on every event. A missing field never satisfies a positive
/// term, so `not actor:bob` matches events without an actor.
public struct FilterPredicate: Sendable {
    let root: Node

    /// Whether `event` satisfies the filter.
    public func matches(_ event: AuditEvent) -> Bool { root.matches(event) }

    /// Same as `matches(_:)`, so a predicate can stand where a closure is expected.
    public func callAsFunction(_ event: AuditEvent) -> Bool { root.matches(event) }

    /// The actions an event must have to match, when the filter says so (`action:login_failed`,
    /// `action:(export or download) …`, an `or` whose every branch names actions); `nil` when any
    /// action could match. Rule engines use it to skip rules without evaluating them.
    public var requiredActions: Set<String>? { root.requiredActions }

    /// Text fields by name, read without building `JSONValue`s.
    enum TextColumn: Sendable {
        case id, source, kind, host, app, actor, actorID, actorRole, actorType, impersonator, session, action
        case category, entityType, entityID, entityName, outcome, severity, ip, userAgent, method, url
        case message, raw, error, prevHash, hash

        static let byName: [String: TextColumn] = [
            "id": .id, "source": .source, "kind": .kind, "host": .host, "app": .app, "actor": .actor,
            "actor_id": .actorID, "actor_role": .actorRole, "actor_type": .actorType,
            "impersonator": .impersonator, "session": .session, "action": .action, "category": .category,
            "entity_type": .entityType, "entity_id": .entityID, "entity_name": .entityName, "outcome": .outcome,
            "severity": .severity, "ip": .ip, "user_agent": .userAgent, "method": .method, "url": .url,
            "message": .message, "raw": .raw, "error": .error, "prev_hash": .prevHash, "hash": .hash,
        ]

        func value(in e: AuditEvent) -> String? {
            switch self {
            case .id: return e.id.description
            case .source: return e.source
            case .kind: return e.kind
            case .host: return e.host
            case .app: return e.app
            case .actor: return e.actor
            case .actorID: return e.actorID
            case .actorRole: return e.actorRole
            case .actorType: return e.actorType
            case .impersonator: return e.impersonator
            case .session: return e.session
            case .action: return e.action
            case .category: return e.category
            case .entityType: return e.entityType
            case .entityID: return e.entityID
            case .entityName: return e.entityName
            case .outcome: return e.outcome
            case .severity: return e.severity
            case .ip: return e.ip
            case .userAgent: return e.userAgent
            case .method: return e.method
            case .url: return e.url
            case .message: return e.message
            case .raw: return e.raw
            case .error: return e.error
            case .prevHash: return e.prevHash.map(Hex.encode)
            case .hash: return e.hash.map(Hex.encode)
            }
        }
    }

    enum NumberColumn: Sendable {
        case status, durationMS, bytes

        /// The value, as `Int64` or `Double`; NaN counts as missing (SQLite stores it as NULL).
        func order(in e: AuditEvent, against number: FilterNumber) -> Int? {
            switch self {
            case .status: return e.status.map { number.order(of: Int64($0)) }
            case .bytes: return e.bytes.map { number.order(of: $0) }
            case .durationMS:
                guard let d = e.durationMS, !d.isNaN else { return nil }
                return number.order(of: d)
            }
        }

        func exists(in e: AuditEvent) -> Bool {
            switch self {
            case .status: return e.status != nil
            case .bytes: return e.bytes != nil
            case .durationMS: return e.durationMS.map { !$0.isNaN } ?? false
            }
        }
    }

    /// A `*` pattern over UTF-8 bytes, anchored at both ends (as SQLite's GLOB with only `*`).
    struct Glob: Sendable {
        /// UTF-8 pieces between the stars (at least two).
        let pieces: [[UInt8]]

        init(_ pattern: FilterPattern) { self.pieces = pattern.pieces.map { Array($0.utf8) } }

        /// Anchored match: the first piece is a prefix, the last a suffix, the rest in order between.
        func matches(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { hay in
                guard let first = pieces.first, let last = pieces.last, hay.count >= first.count + last.count,
                    hay.starts(with: first), hay.suffix(last.count).elementsEqual(last)
                else { return false }
                var position = first.count
                let limit = hay.count - last.count
                for piece in pieces.dropFirst().dropLast() {
                    guard
                        let found = FilterPredicate.find(piece, in: hay, from: position, to: limit, foldingCase: false)
                    else { return false }
                    position = found + piece.count
                }
                return true
            }
        }
    }

    /// First index of `needle` in `hay[from..<to]`, optionally ASCII-case-insensitive (needle already lowercase).
    static func find(
        _ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int, to: Int, foldingCase: Bool
    ) -> Int? {
        guard !needle.isEmpty else { return from <= to ? from : nil }
        guard to - from >= needle.count else { return nil }
        var start = from
        while start <= to - needle.count {
            var k = 0
            while k < needle.count {
                var byte = hay[start + k]
                if foldingCase && byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
                guard byte == needle[k] else { break }
                k += 1
            }
            if k == needle.count { return start }
            start += 1
        }
        return nil
    }

    /// A full-text needle: ASCII-lowercased pieces that must appear in order in `message` or `entity_name`.
    struct FullText: Sendable {
        let pieces: [[UInt8]]

        init(_ pattern: FilterPattern) {
            self.pieces = pattern.pieces.map { piece in
                piece.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            }.filter { !$0.isEmpty }
        }

        func matches(_ event: AuditEvent) -> Bool {
            // A missing field searches as empty text, as `coalesce(message, '')` does in SQL.
            contains(event.message ?? "") || contains(event.entityName ?? "")
        }

        private func contains(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { hay in
                var position = 0
                for piece in pieces {
                    guard let found = FilterPredicate.find(piece, in: hay, from: position, to: hay.count,
                                                           foldingCase: true)
                    else { return false }
                    position = found + piece.count
                }
                return true
            }
        }
    }
}
