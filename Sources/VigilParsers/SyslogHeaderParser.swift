import VigilCore

/// Reads the syslog envelope of one frame: RFC 5424, RFC 3164 with its real-world variants, or none.
///
/// ```
/// RFC 5424 (section 6):  <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
/// RFC 3164 (section 4):  [<PRI>][TIMESTAMP SP][HOSTNAME SP][TAG[\[PID\]]: ]MSG
/// none:                  {"user": ...}   or any other text
/// ```
///
/// Never throws and never traps: a frame that claims a format but breaks it comes back with
/// `error` set and every field read before the problem.
public enum SyslogHeaderParser {
    /// Parses one frame. Trailing NULs, CRs and LFs are removed first.
    /// - Parameters:
    ///   - frame: the frame's bytes, exactly as received.
    ///   - options: time zone, receive time and expected format.
    public static func parse(_ frame: [UInt8], options: SyslogParserOptions) -> SyslogMessage {
        var end = frame.count
        while end > 0 && (frame[end - 1] == 0 || frame[end - 1] == 0x0A || frame[end - 1] == 0x0D) { end -= 1 }
        var scanner = HeaderScanner(end == frame.count ? frame : Array(frame[0..<end]))
        var message = SyslogMessage()

        switch readPriority(&scanner, strict: options.expectedFormat == .rfc5424) {
        case .absent:
            if options.expectedFormat == .rfc5424 {
                return failed(message, "expected <PRI> at the start of an RFC 5424 message", at: 0, scanner)
            }
            let start = scanner.index
            guard looksLikeBSDTimestamp(scanner) else {
                message.message = scanner.text(start..<scanner.bytes.count)
                return message
            }
            message.priority = 13
            message.isPriorityDefaulted = true
            parseRFC3164(&scanner, into: &message, options: options, hasPriority: false)
            return message
        case .invalid(let reason, let offset):
            message.format = options.expectedFormat ?? .rfc3164
            return failed(message, reason, at: offset, scanner)
        case .value(let priority):
            message.priority = priority
        }

        if isRFC5424(scanner, expected: options.expectedFormat) {
            parseRFC5424(&scanner, into: &message)
        } else {
            parseRFC3164(&scanner, into: &message, options: options, hasPriority: true)
        }
        return message
    }

    /// Convenience for text frames.
    public static func parse(_ frame: String, options: SyslogParserOptions) -> SyslogMessage {
        parse(Array(frame.utf8), options: options)
    }

    // MARK: - PRI

    enum PriorityResult {
        case absent
        case value(Int)
        case invalid(String, Int)
    }

    /// `<` 1*3DIGIT `>`, 0...191 without leading zeros. `<` not followed by a digit is no PRI at all
    /// (`<html>`), unless the caller insists on RFC 5424.
    static func readPriority(_ scanner: inout HeaderScanner, strict: Bool) -> PriorityResult {
        guard scanner.peek == UInt8(ascii: "<") else { return .absent }
        let digits = scanner.digitRun(at: 1)
        if digits == 0 {
            return strict ? .invalid("expected a PRI value after '<'", 1) : .absent
        }
        guard digits <= 3 else { return .invalid("PRI has more than 3 digits", 4) }
        guard scanner.byte(at: 1 + digits) == UInt8(ascii: ">") else {
            return .invalid("expected '>' after the PRI value", 1 + digits)
        }
        var value = 0
        for i in 1...digits { value = value * 10 + Int(scanner.bytes[i] - 0x30) }
        if digits > 1 && scanner.bytes[1] == UInt8(ascii: "0") {
            return .invalid("PRI value has a leading zero", 1)
        }
        guard value <= 191 else { return .invalid("PRI value \(value) is out of range 0-191", 1) }
        scanner.index = digits + 2
        return .value(value)
    }

    // MARK: - Format detection

    /// After the PRI: `VERSION SP` followed by `-` or a digit claims RFC 5424.
    static func isRFC5424(_ scanner: HeaderScanner, expected: SyslogMessage.Format?) -> Bool {
        switch expected {
        case .rfc5424?: return true
        case .rfc3164?: return false
        default: break
        }
        let digits = scanner.digitRun(at: scanner.index)
        guard digits > 0 else { return false }
        let after = scanner.index + digits
        guard after >= scanner.bytes.count || scanner.bytes[after] == .space else { return false }
        guard let next = scanner.byte(at: after + 1) else { return true }
        return next == UInt8(ascii: "-") || next.isDigit
    }

    /// A frame without PRI is BSD syslog only when it starts with a BSD or ISO timestamp.
    static func looksLikeBSDTimestamp(_ scanner: HeaderScanner) -> Bool {
        var probe = scanner
        return BSDTimestamp.read(&probe) != nil
    }

    static func failed(_ message: SyslogMessage, _ reason: String, at offset: Int, _ scanner: HeaderScanner)
        -> SyslogMessage
    {
        var message = message
        if message.format == .none { message.format = .rfc5424 }
        message.error = "\(reason) (byte \(offset))"
        message.errorOffset = offset
        message.message = scanner.text(0..<scanner.bytes.count)
        return message
    }
}
