import Testing

import VigilCore

/// `JSONRowBuffer` must write the bytes `JSONWriter` writes: verify rebuilds the canonical
/// encoding with it and hashes the result.
@Suite struct JSONRowBufferTests {
    static func row(_ body: (inout JSONRowBuffer) -> Void) -> [UInt8] {
        var buffer = JSONRowBuffer(capacity: 8)
        defer { buffer.deallocate() }
        body(&buffer)
        return Array(buffer.bytes)
    }

    @Test func escapesStringsLikeTheWriterAtEveryPositionAndLength() {
        let specials: [UInt8] = [0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x01, 0x1F, 0x08, 0x0C, 0x00]
        let fillers: [[UInt8]] = [[0x61], Array("é".utf8), Array("🔒".utf8), [0x7F], [0x20]]
        for special in specials {
            for filler in fillers {
                for length in 0...25 {
                    for position in -1..<length {
                        var text: [UInt8] = []
                        for i in 0..<length { text += i == position ? [special] : filler }
                        var writer = JSONWriter()
                        text.withUnsafeBufferPointer { writer.write(utf8: $0) }
                        let written = text.withUnsafeBufferPointer { utf8 in
                            Self.row { $0.appendString(prefix: ",\"k\":", utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!, utf8.count) }
                        }
                        #expect(written == Array(",\"k\":".utf8) + writer.bytes, "\(text)")
                    }
                }
            }
        }
    }

    @Test func growsPastItsCapacity() {
        let text = Array(String(repeating: "a\"b\\c\n", count: 500).utf8)
        let written = text.withUnsafeBufferPointer { utf8 in
            Self.row { row in
                for _ in 0..<3 { row.appendString(prefix: ",", utf8.baseAddress!, utf8.count) }
            }
        }
        var writer = JSONWriter()
        for _ in 0..<3 {
            writer.bytes.append(UInt8(ascii: ","))
            text.withUnsafeBufferPointer { writer.write(utf8: $0) }
        }
        #expect(written == writer.bytes)
    }

    @Test func writesNumbersLikeTheWriter() {
        var doubles: [Double] = [0, -0.0, 1, -1, 0.5, 12.345, 1e15, 1e15 - 1, -1e15, 1e300, .leastNonzeroMagnitude, .infinity, -.infinity, .nan, 999_999_999_999_999.5]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            doubles.append(Double(Int64(bitPattern: x) >> (x % 60)) / Double(1 << (x % 20)))
        }
        for value in doubles {
            var writer = JSONWriter()
            writer.write(value)
            #expect(Self.row { $0.appendDouble(prefix: ":", value) } == Array(":".utf8) + writer.bytes, "\(value)")
        }
        for value: Int64 in [0, -1, Int64.max, Int64.min, 1_795_000_000_000_000] {
            var writer = JSONWriter()
            writer.write(value)
            #expect(Self.row { $0.appendInt(prefix: ":", value) } == Array(":".utf8) + writer.bytes)
        }
    }

    @Test func writesTimesLikeTheCanonicalEncoding() {
        var times: [Int64] = [0, -1, 1, 951_782_400_000_000, 1_795_000_000_123_456, -62_135_596_800_000_000, 253_402_300_799_999_999,
                              253_402_300_800_000_000, -62_167_219_200_000_001, Int64.max, Int64.min]
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<2000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            times.append(Int64(bitPattern: x) >> (x % 8 + 1))
        }
        for microseconds in times {
            let time = Timestamp(microseconds: microseconds)
            var expected = Array(",\"time\":\"".utf8)
            time.appendRFC3339(to: &expected)
            expected.append(UInt8(ascii: "\""))
            #expect(Self.row { $0.appendTime(prefix: ",\"time\":", time) } == expected, "\(microseconds)")
        }
        // In one buffer, where the date of the time before is reused: same day, across midnight,
        // back and forth.
        var sequence: [Int64] = []
        for t in times.prefix(300) {
            sequence += [t, t &+ 1, t &+ 3_600_000_000, t &- 86_400_000_000, t, floorDivide(t, 86_400_000_000) &* 86_400_000_000 &- 1]
        }
        var expected: [UInt8] = []
        for microseconds in sequence {
            expected += Array(",\"t\":\"".utf8)
            Timestamp(microseconds: microseconds).appendRFC3339(to: &expected)
            expected.append(UInt8(ascii: "\""))
        }
        #expect(Self.row { row in
            for microseconds in sequence { row.appendTime(prefix: ",\"t\":", Timestamp(microseconds: microseconds)) }
        } == expected)
        #expect(Timestamp(microseconds: 951_782_400_000_000).rfc3339 == "2000-02-29T00:00:00.000000Z")
        #expect(Timestamp(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
    }
}
