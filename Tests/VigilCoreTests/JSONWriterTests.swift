import Testing

import VigilCore

@Suite struct JSONWriterTests {
    /// The escaping JSON needs, one byte at a time.
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func escapesEveryCharacterThatNeedsItAtEveryPosition() {
        let specials: [Character] = ["\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "\u{08}", "\u{0C}", "\u{00}"]
        let fillers = ["a", "é", "€", " ", "~", "\u{7F}", "🔒"]
        for special in specials {
            for filler in fillers {
                for length in 1...19 {
                    for position in 0..<length {
                        var text = ""
                        for i in 0..<length { text += i == position ? String(special) : filler }
                        var writer = JSONWriter()
                        writer.write(text)
                        #expect(writer.string == Self.reference(text), "\(Array(text.utf8))")
                    }
                }
            }
        }
    }

    @Test func leavesTextWithoutSpecialsAlone() {
        for text in ["", "a", "abcdefgh", "abcdefghi", "Müller & Söhne — 17 % off", String(repeating: "xyz ", count: 40)] {
            var writer = JSONWriter()
            writer.write(text)
            #expect(writer.string == "\"" + text + "\"")
        }
    }

    @Test func writesIntegersLikeTheirDescription() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, Int64.max, Int64.min, Int64.min + 1, 1_795_000_000_000_000]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(bitPattern: x) >> (x % 60))
        }
        for value in values {
            var writer = JSONWriter()
            writer.write(value)
            #expect(writer.string == String(value))
        }
    }
}
