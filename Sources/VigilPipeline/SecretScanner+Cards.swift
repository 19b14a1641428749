/// Payment card numbers (`card_numbers`): 13–19 digits, optionally in groups joined by one space or
/// dash, with an issuer prefix (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro)
/// and a valid Luhn check digit. Timestamps (`20240115103000123`), epoch milliseconds and order
/// numbers fail the prefix or the check digit and are left alone.
extension SecretScanner {
    /// Scans the digit run starting at `start` (a word start), adds a span per card number in it,
    /// and returns the index after the run.
    func scanCardRun(_ p: UnsafeBufferPointer<UInt8>, from start: Int, into spans: inout [Span]) -> Int {
        let n = p.count
        var j = start
        var digits = 0
        var separators = 0
        while j < n {
            if ScanByte.isDigit(p[j]) {
                digits += 1
                j += 1
            } else if p[j] == ScanByte.space || p[j] == ScanByte.dash, j + 1 < n, ScanByte.isDigit(p[j + 1]) {
                separators += 1
                j += 1
            } else {
                break
            }
        }
        // Cheap prefilter: most runs (times, addresses, sizes) are short.
        guard digits >= 13, j == n || !ScanByte.isLetter(p[j]) else { return j }
        if separators == 0 {
            if digits <= 19, Self.isCardNumber(p, start, j, digits: digits) {
                spans.append(Span(start: start, end: j, rule: .cardNumbers, style: .card(digits: digits)))
            }
            return j
        }
        // Grouped digits: the card may be part of a longer run (`2024-01-15 4111 1111 1111 1111`), so
        // try windows that start and end on group boundaries, longest first.
        var groups: [(start: Int, end: Int, digits: Int)] = []
        var k = start
        while k < j {
            let groupStart = k
            while k < j, ScanByte.isDigit(p[k]) { k += 1 }
            groups.append((groupStart, k, k - groupStart))
            k += 1
        }
        var g = 0
        while g < groups.count {
            var total = 0
            var best: (end: Int, digits: Int)?
            for h in g..<groups.count {
                total += groups[h].digits
                if total > 19 { break }
                if total >= 13, Self.isCardNumber(p, groups[g].start, groups[h].end, digits: total) {
                    best = (h, total)
                }
            }
            if let best {
                spans.append(
                    Span(
                        start: groups[g].start, end: groups[best.end].end, rule: .cardNumbers,
                        style: .card(digits: best.digits)))
                g = best.end + 1
            } else {
                g += 1
            }
        }
        return j
    }

    /// Issuer prefix and length, then the Luhn check over the digits of `p[start..<end]`.
    static func isCardNumber(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, digits: Int) -> Bool {
        var prefix = 0
        var taken = 0
        var k = start
        while taken < 4, k < end {
            if ScanByte.isDigit(p[k]) {
                prefix = prefix * 10 + Int(p[k] &- UInt8(ascii: "0"))
                taken += 1
            }
            k += 1
        }
        guard issuerAccepts(prefix: prefix, length: digits) else { return false }
        var sum = 0
        var double = false
        k = end - 1
        while k >= start {
            if ScanByte.isDigit(p[k]) {
                var d = Int(p[k] &- UInt8(ascii: "0"))
                if double {
                    d *= 2
                    if d > 9 { d -= 9 }
                }
                sum += d
                double.toggle()
            }
            k -= 1
        }
        return sum % 10 == 0
    }

    /// Whether a number starting with these four digits can be a card of `length` digits.
    static func issuerAccepts(prefix four: Int, length: Int) -> Bool {
        let two = four / 100
        switch four / 1000 {
        case 4: return length == 13 || length == 16 || length == 19  // Visa
        case 2: return (2221...2720).contains(four) && length == 16  // Mastercard 2-series
        case 3:
            if two == 34 || two == 37 { return length == 15 }  // Amex
            if two == 35 { return (16...19).contains(length) }  // JCB
            if two == 30 || two == 36 || two == 38 || two == 39 { return (14...19).contains(length) }  // Diners
            return false
        case 5:
            if (51...55).contains(two) { return length == 16 }  // Mastercard
            if two == 50 || (56...58).contains(two) { return (13...19).contains(length) }  // Maestro
            return false
        case 6: return (13...19).contains(length)  // Discover, UnionPay, Maestro
        default: return false
        }
    }
}
