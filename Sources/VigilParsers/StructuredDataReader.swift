/// Reads RFC 5424 STRUCTURED-DATA (section 6.3):
///
/// ```
/// SD-ELEMENT = "[" SD-ID *(SP SD-PARAM) "]"
/// SD-PARAM   = PARAM-NAME "=" %d34 PARAM-VALUE %d34    ; '"', '\' and ']' escaped with '\'
/// SD-NAME    = 1*32PRINTUSASCII except '=', SP, ']', '"'
/// ```
///
/// Elements read before an error stay in `elements` (best effort); a repeated SD-ID is an error.
struct StructuredDataReader {
    private(set) var elements: [StructuredDataElement] = []
    private(set) var failure: String?

    /// Reads one or more elements starting at `[`; stops before the byte after the last `]`.
    /// - Returns: `false` with `failure` set and the scanner at the offending byte.
    mutating func read(_ scanner: inout HeaderScanner) -> Bool {
        while scanner.peek == UInt8(ascii: "[") {
            scanner.index += 1
            guard let id = readName(&scanner) else {
                return fail("expected an SD-ID of 1 to 32 printable US-ASCII characters except '=', ' ', ']' and '\"'")
            }
            if elements.contains(where: { $0.id == id }) { return fail("duplicate SD-ID \"\(id)\"") }
            elements.append(StructuredDataElement(id: id))
            while scanner.expect(.space) {
                guard let name = readName(&scanner) else {
                    return fail("expected a PARAM-NAME of 1 to 32 printable US-ASCII characters except '=', ' ', ']' and '\"'")
                }
                guard scanner.expect(UInt8(ascii: "=")), scanner.expect(UInt8(ascii: "\"")) else {
                    return fail("expected '=\"' after PARAM-NAME \"\(name)\"")
                }
                guard let value = readValue(&scanner) else { return false }
                elements[elements.count - 1].parameters.append(StructuredDataParameter(name: name, value: value))
            }
            guard scanner.expect(UInt8(ascii: "]")) else { return fail("expected ']' or a space in an SD-ELEMENT") }
        }
        return true
    }

    private mutating func fail(_ reason: String) -> Bool {
        failure = reason
        return false
    }

    private func readName(_ scanner: inout HeaderScanner) -> String? {
        let start = scanner.index
        while let b = scanner.peek, b.isPrintUSASCII, b != UInt8(ascii: "="), b != UInt8(ascii: "]"),
            b != UInt8(ascii: "\"")
        {
            scanner.index += 1
        }
        let length = scanner.index - start
        guard length > 0 else { return nil }
        guard length <= 32 else {
            scanner.index = start + 32
            return nil
        }
        return scanner.text(start..<scanner.index)
    }

    /// Reads up to the closing quote, unescaping `\"`, `\\` and `\]`; any other backslash is kept
    /// with the byte after it (section 6.3.3).
    private mutating func readValue(_ scanner: inout HeaderScanner) -> String? {
        var value: [UInt8] = []
        while let b = scanner.peek {
            switch b {
            case UInt8(ascii: "\\"):
                if let next = scanner.byte(at: scanner.index + 1),
                    next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "]")
                {
                    value.append(next)
                    scanner.index += 2
                } else {
                    value.append(b)
                    scanner.index += 1
                }
            case UInt8(ascii: "\""):
                scanner.index += 1
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "]"):
                _ = fail("expected ']', '\"' and '\\' to be escaped within a PARAM-VALUE")
                return nil
            default:
                value.append(b)
                scanner.index += 1
            }
        }
        _ = fail("unterminated PARAM-VALUE")
        return nil
    }
}
