import VigilCore

/// A BSD-syslog header time as read, before a zone or year is applied.
///
/// ```
/// Mmm dd hh:mm:ss[.f]          Oct 11 22:14:15     (RFC 3164 section 4.1.2; day space-padded: "Oct  1")
/// Mmm dd yyyy hh:mm:ss         Oct 11 2003 22:14:15
/// Mmm dd hh:mm:ss yyyy         Oct 11 22:14:15 2003
/// yyyy-mm-ddThh:mm:ss[.f][zone] 2006-10-29T01:59:59.156+01:00 (ISO 8601 / RFC 3339, zone optional)
/// ```
enum BSDTimestamp: Equatable {
    /// The source carried an offset: a complete instant.
    case instant(Timestamp)
    /// A full date and time without zone, encoded as if it were UTC.
    case wallClock(Timestamp)
    /// No year and no zone.
    case yearless(month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int)

    private static let months: [StaticString] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    /// Reads a timestamp at the scanner's position; advances past it only on success. The time must be
    /// followed by a space, a `:` or the end.
    static func read(_ scanner: inout HeaderScanner) -> BSDTimestamp? {
        let start = scanner.index
        if scanner.digitRun(at: start) == 4 && scanner.byte(at: start + 4) == UInt8(ascii: "-") {
            return readISO(&scanner)
        }
        guard let month = monthNumber(scanner, at: start), scanner.byte(at: start + 3) == .space else { return nil }
        var i = start + 4
        if scanner.byte(at: i) == .space { i += 1 }
        let dayDigits = scanner.digitRun(at: i)
        guard dayDigits == 1 || dayDigits == 2, let day = number(scanner, i, dayDigits) else { return nil }
        i += dayDigits
        guard scanner.byte(at: i) == .space else { return nil }
        i += 1
        var year: Int?
        if scanner.digitRun(at: i) == 4 && scanner.byte(at: i + 4) == .space {
            year = number(scanner, i, 4)
            i += 5
        }
        guard scanner.digitRun(at: i) == 2, scanner.byte(at: i + 2) == UInt8(ascii: ":"),
            scanner.digitRun(at: i + 3) == 2, scanner.byte(at: i + 5) == UInt8(ascii: ":"),
            scanner.digitRun(at: i + 6) == 2,
            let hour = number(scanner, i, 2), let minute = number(scanner, i + 3, 2),
            let second = number(scanner, i + 6, 2)
        else { return nil }
        i += 8
        var microsecond = 0
        if scanner.byte(at: i) == UInt8(ascii: "."), scanner.digitRun(at: i + 1) > 0 {
            let digits = scanner.digitRun(at: i + 1)
            var place = 100_000
            for k in 0..<min(digits, 6) {
                microsecond += Int(scanner.bytes[i + 1 + k] - 0x30) * place
                place /= 10
            }
            i += 1 + digits
        }
        if year == nil, scanner.byte(at: i) == .space, scanner.digitRun(at: i + 1) == 4 {
            let after = scanner.byte(at: i + 5)
            if after == nil || after == .space || after == UInt8(ascii: ":") {
                year = number(scanner, i + 1, 4)
                i += 5
            }
        }
        if let next = scanner.byte(at: i), next != .space, next != UInt8(ascii: ":") { return nil }
        guard (1...31).contains(day), hour <= 23, minute <= 59, second <= 60 else { return nil }
        let result: BSDTimestamp
        if let year {
            guard
                let wall = Timestamp(
                    year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                    microsecond: microsecond)
            else { return nil }
            result = .wallClock(wall)
        } else {
            result = .yearless(
                month: month, day: day, hour: hour, minute: minute, second: second, microsecond: microsecond)
        }
        scanner.index = i
        return result
    }

    private static func readISO(_ scanner: inout HeaderScanner) -> BSDTimestamp? {
        var digits = DigitScanner(scanner.bytes)
        digits.index = scanner.index
        var result: BSDTimestamp?
        if let instant = digits.parseDateTime(defaultOffset: nil, requireEnd: false) {
            result = .instant(instant)
        } else {
            digits.index = scanner.index
            if let wall = digits.parseDateTime(defaultOffset: 0, requireEnd: false) { result = .wallClock(wall) }
        }
        guard let result else { return nil }
        if let next = digits.peek, next != .space, next != UInt8(ascii: ":") { return nil }
        scanner.index = digits.index
        return result
    }

    private static func monthNumber(_ scanner: HeaderScanner, at i: Int) -> Int? {
        guard let a = scanner.byte(at: i), let b = scanner.byte(at: i + 1), let c = scanner.byte(at: i + 2) else {
            return nil
        }
        let lower = [a | 0x20, b | 0x20, c | 0x20]
        for (index, name) in months.enumerated() {
            let p = name.utf8Start
            if lower[0] == p[0] && lower[1] == p[1] && lower[2] == p[2] { return index + 1 }
        }
        return nil
    }

    private static func number(_ scanner: HeaderScanner, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for i in start..<(start + count) {
            guard let b = scanner.byte(at: i), b.isDigit else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }

    /// The instant, with whether the zone and the year had to be supplied.
    func resolve(with resolver: LocalTimeResolver, reference: Timestamp) -> (
        timestamp: Timestamp?, lacksZone: Bool, lacksYear: Bool
    ) {
        switch self {
        case .instant(let t):
            return (t, false, false)
        case .wallClock(let wall):
            return (resolver.localToUTC(wall), true, false)
        case .yearless(let month, let day, let hour, let minute, let second, let microsecond):
            let t = resolver.closestInstant(
                month: month, day: day, hour: hour, minute: minute, second: second, microsecond: microsecond,
                reference: reference)
            return (t, true, true)
        }
    }
}
