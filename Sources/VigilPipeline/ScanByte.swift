/// ASCII classes the redaction scanners test byte by byte.
enum ScanByte {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let backslash = UInt8(ascii: "\\")
    static let dash = UInt8(ascii: "-")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- UInt8(ascii: "a") < 26 }

    @inline(__always) static func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }

    /// Bytes of a parameter or field name: `x-api-key`, `user.password`, `access_token`.
    @inline(__always) static func isNameByte(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == UInt8(ascii: "_") || b == dash || b == UInt8(ascii: ".")
    }

    /// RFC 6750 `b64token` bytes.
    @inline(__always) static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return isAlphanumeric(b)
        }
    }

    @inline(__always) static func isBase64URL(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == dash || b == UInt8(ascii: "_")
    }

    /// Where an unquoted value ends: `password=x&y`, `password=x y`, `{"pin":1234}`.
    @inline(__always) static func endsBareValue(_ b: UInt8) -> Bool {
        switch b {
        case space, tab, cr, lf, quote, apostrophe, UInt8(ascii: "&"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            return true
        default:
            return false
        }
    }

    /// `null`, `true`, `false`: bare JSON words that hold no secret.
    static func isJSONLiteral(_ v: UnsafeBufferPointer<UInt8>) -> Bool {
        func equals(_ word: StaticString) -> Bool {
            guard v.count == word.utf8CodeUnitCount else { return false }
            for k in 0..<v.count where v[k] != word.utf8Start[k] { return false }
            return true
        }
        return equals("null") || equals("true") || equals("false")
    }
}
