import Crypto
import VigilCore

/// The tamper-evidence chain: `hash = SHA-256(prev_hash ‖ canonical event)`.
public struct HashChain: Sendable {
    /// The `prev_hash` of the very first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public private(set) var head: [UInt8]

    public init(head: [UInt8]? = nil) {
        self.head = head ?? HashChain.genesis
    }

    /// Sets the event's `prev_hash` and `hash` and advances the head.
    public mutating func link(_ event: inout AuditEvent) {
        event.prevHash = head
        event.hash = HashChain.digest(prev: head, event: event)
        head = event.hash ?? head
    }

    /// Links an event whose canonical bytes are already encoded.
    public mutating func link(_ event: inout AuditEvent, canonical: [UInt8]) {
        event.prevHash = head
        var hasher = SHA256()
        hasher.update(data: head)
        hasher.update(data: canonical)
        let digest = Array(hasher.finalize())
        event.hash = digest
        head = digest
    }

    /// The hash an event should carry after `prev`.
    public static func digest(prev: [UInt8], event: AuditEvent) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: event.canonicalBytes)
        return Array(hasher.finalize())
    }
}
