import VigilCore

/// When a rule counts events, in local time: windows of weekdays and times of day in an IANA time zone.
///
/// ```yaml
/// schedule:
///   time_zone: Europe/Berlin
///   windows:
///     - {days: [mon, tue, wed, thu, fri], from: "20:00", to: "07:00"}   # crosses midnight
///     - {days: [sat, sun]}                                              # the whole day
/// ```
///
/// A window whose `to` is not after `from` crosses midnight and belongs to the day it starts on:
/// Friday 20:00 – Saturday 07:00 is Friday's. An event counts when its local time lies in any window.
public struct RuleSchedule: Sendable {
    public struct Window: Sendable, Equatable {
        /// Bit n set: weekday n (0 = Sunday) is included.
        public var days: UInt8
        /// Seconds after local midnight; `from == to` means the whole day.
        public var from: Int
        public var to: Int

        public init(days: UInt8 = 0x7F, from: Int = 0, to: Int = 0) {
            self.days = days
            self.from = from
            self.to = to
        }
    }

    public let zone: CronTimeZone
    public let zoneName: String
    public let windows: [Window]

    public init(zoneName: String, windows: [Window]) throws(AlertError) {
        guard let zone = CronTimeZone(identifier: zoneName) else {
            throw .invalidRule(
                rule: "", field: "schedule.time_zone",
                reason: "unknown time zone '\(zoneName)' (use an IANA name such as Europe/Berlin)")
        }
        guard !windows.isEmpty else {
            throw .invalidRule(rule: "", field: "schedule.windows", reason: "give at least one window")
        }
        self.zone = zone
        self.zoneName = zoneName
        self.windows = windows
    }

    /// Whether `time` falls in one of the windows.
    public func contains(_ time: Timestamp) -> Bool {
        let local = floorDivide(time.microseconds, 1_000_000) + Int64(zone.offset(at: time))
        let day = floorDivide(local, 86_400)
        let second = Int(local - day * 86_400)
        let weekday = Int(floorModulo(day + 4, 7))  // 1970-01-01 was a Thursday
        let yesterday = (weekday + 6) % 7
        for window in windows {
            if window.from == window.to {
                if window.days & (1 << weekday) != 0 { return true }
            } else if window.from < window.to {
                if window.days & (1 << weekday) != 0 && second >= window.from && second < window.to { return true }
            } else {
                if second >= window.from && window.days & (1 << weekday) != 0 { return true }
                if second < window.to && window.days & (1 << yesterday) != 0 { return true }
            }
        }
        return false
    }

    /// Weekday names as in cron (`sun` … `sat`, any case, or `0`–`7`), and ranges like `mon-fri`.
    public static func days(_ names: [String]) throws(AlertError) -> UInt8 {
        let all = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        func index(_ text: Substring) throws(AlertError) -> Int {
            let lower = text.lowercased()
            if let i = all.firstIndex(where: { lower.hasPrefix($0) && all.contains(String(lower.prefix(3))) }) {
                return i
            }
            if let n = Int(lower), (0...7).contains(n) { return n % 7 }
            throw .invalidRule(
                rule: "", field: "schedule.windows.days", reason: "'\(text)' is not a weekday (sun, mon … sat)")
        }
        var mask: UInt8 = 0
        for name in names {
            let parts = name.split(separator: "-")
            if parts.count == 2 {
                var day = try index(parts[0])
                let last = try index(parts[1])
                while true {
                    mask |= 1 << day
                    if day == last { break }
                    day = (day + 1) % 7
                }
            } else {
                mask |= 1 << (try index(Substring(name)))
            }
        }
        return mask
    }

    /// `HH:MM` (or `HH:MM:SS`) as seconds after midnight; `24:00` is the end of the day.
    public static func timeOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2 || parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) : 0
        guard let s, (0...24).contains(h), (0..<60).contains(m), (0..<60).contains(s) else { return nil }
        let total = h * 3600 + m * 60 + s
        return total <= 86_400 ? total % 86_400 : nil
    }
}
