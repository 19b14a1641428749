import VigilCore

/// RFC 3164 and the forms real senders use (section 4.1, plus syslog-ng's leniency):
///
/// ```
/// <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG      classic
/// <PRI>2006-10-29T01:59:59+01:00 HOST TAG: MSG ISO timestamp
/// <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG           no HOST (haproxy): the token ends in ':' or has '['
/// <PRI> TAG[PID]: MSG                          no timestamp
/// <PRI>SEQ: *Mmm dd hh:mm:ss: HOST %TAG: MSG   Cisco IOS
/// Mmm dd hh:mm:ss HOST Google Chrome[85]: MSG  a file line without PRI; a TAG may hold spaces
/// ```
extension SyslogHeaderParser {
    static func parseRFC3164(
        _ scanner: inout HeaderScanner, into message: inout SyslogMessage, options: SyslogParserOptions,
        hasPriority: Bool
    ) {
        message.format = .rfc3164
        if hasPriority {
            // Cisco IOS puts a sequence number before the time: "91: *Oct 07 03:10:04: ...".
            let digits = scanner.digitRun(at: scanner.index)
            if digits > 0, scanner.byte(at: scanner.index + digits) == UInt8(ascii: ":"),
                scanner.byte(at: scanner.index + digits + 1) == .space
            {
                scanner.index += digits + 2
            }
            scanner.skipSpaces()
        }
        var hasTimestamp = false
        var probe = scanner
        if probe.peek == UInt8(ascii: "*") || probe.peek == UInt8(ascii: ".") { probe.index += 1 }
        if let time = BSDTimestamp.read(&probe) {
            scanner = probe
            hasTimestamp = true
            let resolved = time.resolve(with: options.resolver, reference: options.reference)
            message.timestamp = resolved.timestamp
            message.timestampLacksZone = resolved.lacksZone
            message.timestampLacksYear = resolved.lacksYear
            _ = scanner.expect(UInt8(ascii: ":"))
            scanner.skipSpaces()
        }

        if readForwardedHost(&scanner, into: &message) {
            readTag(&scanner, into: &message, requireColon: false)
        } else if hasTimestamp {
            readHostname(&scanner, into: &message)
            readTag(&scanner, into: &message, requireColon: false)
        } else {
            readTag(&scanner, into: &message, requireColon: true)
        }
        message.message = scanner.text(scanner.index..<scanner.bytes.count)
    }

    /// AIX relays write "Message forwarded from HOST: "; syslog-ng reads HOST from it.
    private static func readForwardedHost(_ scanner: inout HeaderScanner, into message: inout SyslogMessage) -> Bool {
        let prefixLength: Int
        if scanner.matches("Message forwarded from ", at: scanner.index) {
            prefixLength = 23
        } else if scanner.matches("Forwarded from ", at: scanner.index) {
            prefixLength = 15
        } else {
            return false
        }
        let start = scanner.index + prefixLength
        var i = start
        while let b = scanner.byte(at: i), isHostByte(b), b != UInt8(ascii: ":") { i += 1 }
        guard i > start, scanner.byte(at: i) == UInt8(ascii: ":") else { return false }
        message.hostname = scanner.text(start..<i)
        scanner.index = i + 1
        scanner.skipSpaces()
        return true
    }

    /// The token after the time is the HOSTNAME unless it looks like a TAG (ends in ':' or has '[')
    /// or holds bytes no host name has (a JSON payload right after the time).
    private static func readHostname(_ scanner: inout HeaderScanner, into message: inout SyslogMessage) {
        let start = scanner.index
        let end = scanner.tokenEnd()
        guard end > start, scanner.bytes[end - 1] != UInt8(ascii: ":") else { return }
        for i in start..<end where !isHostByte(scanner.bytes[i]) { return }
        message.hostname = scanner.text(start..<end)
        scanner.index = end
        _ = scanner.expect(.space)
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        b.isDigit || b.isASCIILetter || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
            || b == UInt8(ascii: ":") || b == UInt8(ascii: "%")
    }

    /// Bytes a program name may hold in `prog[pid]:`.
    static func isProgramByte(_ b: UInt8) -> Bool {
        if b >= 0x80 { return true }
        guard b.isPrintUSASCII else { return false }
        switch b {
        case UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "\""), UInt8(ascii: "{"),
            UInt8(ascii: "}"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: ";"):
            return false
        default:
            return true
        }
    }

    /// `prog[pid]: `, `prog: `, `prog ` (with a hostname before it), or a macOS-style tag with spaces
    /// ending in `]` or `)` right before ": " (`Google Chrome[85294]: `).
    private static func readTag(_ scanner: inout HeaderScanner, into message: inout SyslogMessage, requireColon: Bool) {
        let start = scanner.index
        let count = scanner.bytes.count
        guard start < count else { return }

        // A tag with spaces: the first ':' within 128 bytes, preceded by ']' or ')'.
        var i = start
        var sawSpace = false
        while i < min(count, start + 128) {
            let b = scanner.bytes[i]
            if b == UInt8(ascii: ":") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "{") || b == UInt8(ascii: "=") {
                break
            }
            if b == .space { sawSpace = true }
            i += 1
        }
        if sawSpace, i > start + 1, scanner.byte(at: i) == UInt8(ascii: ":"),
            scanner.byte(at: i + 1) == nil || scanner.byte(at: i + 1) == .space,
            scanner.bytes[i - 1] == UInt8(ascii: "]") || scanner.bytes[i - 1] == UInt8(ascii: ")"),
            isProgramByte(scanner.bytes[start])
        {
            setTag(scanner, start..<i, into: &message)
            scanner.index = i + 1
            _ = scanner.expect(.space)
            return
        }

        // prog[pid]: / prog: / prog
        i = start
        while i < count && isProgramByte(scanner.bytes[i]) { i += 1 }
        guard i > start else { return }
        let programEnd = i
        var pid: Range<Int>?
        if scanner.byte(at: i) == UInt8(ascii: "[") {
            var j = i + 1
            while j < count && j - i <= 129 && scanner.bytes[j] != UInt8(ascii: "]") && scanner.bytes[j] != .space {
                j += 1
            }
            guard scanner.byte(at: j) == UInt8(ascii: "]") else { return }
            pid = (i + 1)..<j
            i = j + 1
        }
        let hasColon = scanner.byte(at: i) == UInt8(ascii: ":")
        if hasColon { i += 1 }
        if requireColon && !hasColon { return }
        guard i == count || scanner.bytes[i] == .space else { return }
        message.appName = scanner.text(start..<programEnd)
        if let pid, !pid.isEmpty { message.procID = scanner.text(pid) }
        scanner.index = i
        _ = scanner.expect(.space)
    }

    /// Splits `name[pid]` when the tag ends with a bracketed part; otherwise the whole tag is the name.
    private static func setTag(_ scanner: HeaderScanner, _ range: Range<Int>, into message: inout SyslogMessage) {
        if scanner.bytes[range.upperBound - 1] == UInt8(ascii: "]"),
            let open = scanner.bytes[range].lastIndex(of: UInt8(ascii: "[")), open > range.lowerBound,
            open + 1 < range.upperBound - 1
        {
            message.appName = scanner.text(range.lowerBound..<open)
            message.procID = scanner.text((open + 1)..<(range.upperBound - 1))
        } else {
            message.appName = scanner.text(range)
        }
    }
}
