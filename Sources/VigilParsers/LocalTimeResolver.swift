import Foundation
import VigilCore

/// Turns wall-clock readings in a time zone into instants, honouring DST via the zone's offset at
/// that instant. Foundation is used here only for `TimeZone`.
struct LocalTimeResolver: Sendable {
    let timeZone: TimeZone
    /// Set when the zone's offset never changes (UTC, fixed offsets): no zone look-ups needed.
    let fixedOffset: Int?

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        if timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: 0)) == nil,
            timeZone.identifier == "UTC" || timeZone.identifier == "GMT" || timeZone.identifier.hasPrefix("GMT")
        {
            fixedOffset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))
        } else {
            fixedOffset = nil
        }
    }

    /// Offset east of UTC, in seconds, in force at `instant`.
    func offset(at instant: Timestamp) -> Int {
        if let fixedOffset { return fixedOffset }
        return timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant.microseconds / 1_000_000)))
    }

    /// The instant of a wall-clock reading in the zone; `nil` for an impossible date.
    func instant(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int
    ) -> Timestamp? {
        guard
            let wall = Timestamp(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                microsecond: microsecond)
        else { return nil }
        return localToUTC(wall)
    }

    /// Shifts a wall-clock reading (encoded as if it were UTC) to the instant it names in the zone.
    func localToUTC(_ wall: Timestamp) -> Timestamp {
        if let fixedOffset { return wall.adding(microseconds: -Int64(fixedOffset) * 1_000_000) }
        // Two passes settle the offset on either side of a DST change.
        let first = offset(at: wall)
        let guess = wall.adding(microseconds: -Int64(first) * 1_000_000)
        let second = offset(at: guess)
        return wall.adding(microseconds: -Int64(second) * 1_000_000)
    }

    /// A year-less reading: of the years around `reference`, the one that puts it closest to `reference`
    /// (so a `Dec 31` line received on Jan 1 belongs to the previous year).
    func closestInstant(
        month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int, reference: Timestamp
    ) -> Timestamp? {
        let localReference = reference.adding(microseconds: Int64(offset(at: reference)) * 1_000_000)
        let days = localReference.microseconds >= 0
            ? localReference.microseconds / 86_400_000_000
            : (localReference.microseconds + 1) / 86_400_000_000 - 1
        let year = Int(CivilDate(daysSinceEpoch: days).year)
        var best: Timestamp?
        var bestDistance = Int64.max
        for candidate in [year - 1, year, year + 1] {
            guard
                let t = instant(
                    year: candidate, month: month, day: day, hour: hour, minute: minute, second: second,
                    microsecond: microsecond)
            else { continue }
            let distance = abs(t.microseconds - reference.microseconds)
            if distance < bestDistance {
                best = t
                bestDistance = distance
            }
        }
        return best
    }
}
