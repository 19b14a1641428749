import Foundation
import Synchronization

/// Logged-in UI sessions, in memory (a daemon restart logs everyone out). Bounded: past
/// `capacity` the least recently used session is dropped.
public final class SessionTable: Sendable {
    public struct Session: Sendable {
        public var principal: Principal
        public var ip: String?
        public var userAgent: String?
        public var started: Date
        public var lastSeen: Date
    }

    private let sessions = Mutex<[String: Session]>([:])
    public let idleTimeout: TimeInterval
    public let maximumAge: TimeInterval
    public let capacity: Int

    public init(idleTimeout: TimeInterval = 8 * 3600, maximumAge: TimeInterval = 24 * 3600, capacity: Int = 10_000) {
        self.idleTimeout = idleTimeout
        self.maximumAge = maximumAge
        self.capacity = capacity
    }

    /// Starts a session and returns its id (the cookie value).
    public func start(_ principal: Principal, ip: String?, userAgent: String?, now: Date = Date()) -> String {
        let id = PasswordHasher.randomToken()
        sessions.withLock { table in
            if table.count >= capacity {
                table = table.filter { now.timeIntervalSince($0.value.lastSeen) < idleTimeout }
                if table.count >= capacity, let oldest = table.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
                    table.removeValue(forKey: oldest.key)
                }
            }
            table[id] = Session(principal: principal, ip: ip, userAgent: userAgent, started: now, lastSeen: now)
        }
        return id
    }

    /// The session's principal, refreshing its idle timer; `nil` when unknown or expired.
    public func principal(_ id: String, now: Date = Date()) -> Principal? {
        sessions.withLock { table in
            guard var session = table[id] else { return nil }
            if now.timeIntervalSince(session.lastSeen) > idleTimeout || now.timeIntervalSince(session.started) > maximumAge {
                table.removeValue(forKey: id)
                return nil
            }
            session.lastSeen = now
            table[id] = session
            return session.principal
        }
    }

    public func end(_ id: String) -> Session? {
        sessions.withLock { $0.removeValue(forKey: id) }
    }
}
