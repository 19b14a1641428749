import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import VigilIngest

@Suite struct SyslogStreamFrameDecoderTests {
    /// Feeds `chunks` as separate reads, then closes; returns every frame, including those emitted at end of stream.
    private func decode(_ chunks: [String], maximum: Int = 65_536) throws -> [Frame] {
        try decode(chunks.map { Array($0.utf8) }, maximum: maximum)
    }

    private func decode(_ chunks: [[UInt8]], maximum: Int = 65_536) throws -> [Frame] {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(SyslogStreamFrameDecoder(maximumFrameLength: maximum)))
        var frames: [Frame] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let frame = try channel.readInbound(as: Frame.self) { frames.append(frame) }
        }
        _ = try channel.finish()
        while let frame = try channel.readInbound(as: Frame.self) { frames.append(frame) }
        return frames
    }

    private func frame(_ text: String, truncatedFrom: Int? = nil, broken: Bool = false) -> Frame {
        Frame(bytes: Array(text.utf8), truncatedFrom: truncatedFrom, hasBrokenOctetCount: broken)
    }

    // MARK: - Non-transparent framing

    @Test func decodesLFLines() throws {
        #expect(try decode(["<13>one\n<13>two\n"]) == [frame("<13>one"), frame("<13>two")])
    }

    @Test func stripsCROnlyBeforeLF() throws {
        #expect(try decode(["a\r\nb\rc\n"]) == [frame("a"), frame("b\rc")])
    }

    @Test func acceptsNULAsTrailer() throws {
        #expect(try decode(["a\u{0}b\u{0}\nc\n"]) == [frame("a"), frame("b"), frame("c")])
    }

    @Test func skipsEmptyLines() throws {
        #expect(try decode(["\n\r\n\u{0}a\n\n"]) == [frame("a")])
    }

    @Test func decodesLineSplitAcrossReads() throws {
        #expect(try decode(["<13>o", "ne\r", "\n<13>t", "wo\n"]) == [frame("<13>one"), frame("<13>two")])
    }

    @Test func emitsPartialLineAtEndOfStream() throws {
        #expect(try decode(["a\nlast words"]) == [frame("a"), frame("last words")])
    }

    // MARK: - Octet counting

    @Test func decodesSeveralOctetFramesInOneRead() throws {
        #expect(try decode(["5 hello3 abc12 with\nnewline"]) == [frame("hello"), frame("abc"), frame("with\nnewline")])
    }

    @Test(arguments: 1..<22)
    func decodesOctetFrameSplitAtEveryPosition(split: Int) throws {
        let bytes = Array("10 0123456789".utf8) + Array("8 <13>hey!".utf8)
        let frames = try decode([Array(bytes[..<split]), Array(bytes[split...])])
        #expect(frames == [frame("0123456789"), frame("<13>hey!")])
    }

    @Test func decodesOctetFramesFedByteByByte() throws {
        let bytes = Array("3 abc<1>x\n12 <13>1 - - -\n".utf8)
        #expect(try decode(bytes.map { [$0] }) == [frame("abc"), frame("<1>x"), frame("<13>1 - - -\n")])
    }

    @Test func decodesMixedFraming() throws {
        let input = "<13>lf one\n6 octets<13>lf two\r\n4 four\n"
        #expect(try decode([input]) == [frame("<13>lf one"), frame("octets"), frame("<13>lf two"), frame("four")])
    }

    // MARK: - Limits

    @Test func cutsOverLongLineAndKeepsNextLine() throws {
        let long = String(repeating: "x", count: 25)
        #expect(try decode([long + "\nnext\n"], maximum: 10) == [frame("xxxxxxxxxx", truncatedFrom: 25), frame("next")])
    }

    @Test func cutsOverLongLineStreamedInPieces() throws {
        let pieces = Array(repeating: String(repeating: "y", count: 7), count: 5) + ["\r", "\nok\n"]
        #expect(try decode(pieces, maximum: 10) == [frame("yyyyyyyyyy", truncatedFrom: 35), frame("ok")])
    }

    @Test func keepsLineOfExactlyMaximumLength() throws {
        #expect(try decode(["abcdefghij\r", "\n"], maximum: 10) == [frame("abcdefghij")])
    }

    @Test func cutsOverLongOctetFrameAndSkipsItsRest() throws {
        let body = String(repeating: "z", count: 30)
        let frames = try decode(["30 " + body.prefix(12), String(body.dropFirst(12)) + "2 ok"], maximum: 10)
        #expect(frames == [frame("zzzzzzzzzz", truncatedFrom: 30), frame("ok")])
    }

    @Test func doesNotBufferWholeOverLongOctetFrame() throws {
        let decoder = SyslogStreamFrameDecoder(maximumFrameLength: 10)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        try channel.writeInbound(ByteBuffer(string: "100000 " + String(repeating: "a", count: 10)))
        #expect(try channel.readInbound(as: Frame.self) == frame("aaaaaaaaaa", truncatedFrom: 100_000))
        for _ in 0..<90 { try channel.writeInbound(ByteBuffer(string: String(repeating: "b", count: 1_111))) }
        try channel.writeInbound(ByteBuffer(string: "3 end"))
        #expect(try channel.readInbound(as: Frame.self) == frame("end"))
        #expect(try channel.finish().isClean)
    }

    // MARK: - Broken counts

    @Test(arguments: [
        ("12x3 rest\n", "12x3 rest"),
        ("1234567890 ten digits\n", "1234567890 ten digits"),
        ("0 zero\n", "0 zero"),
        ("2024-01-01 dated line\r\n", "2024-01-01 dated line"),
    ])
    func readsBrokenCountAsLine(input: String, line: String) throws {
        #expect(try decode([input, "4 next"]) == [frame(line, broken: true), frame("next")])
    }

    // MARK: - End of stream

    @Test func emitsPartialOctetFrameTruncatedAtEndOfStream() throws {
        #expect(try decode(["5 abc1212 a"]) == [frame("abc12", broken: false), frame("a", truncatedFrom: 12)])
    }

    @Test func emitsDiscardedLineAtEndOfStream() throws {
        #expect(try decode([String(repeating: "q", count: 15), "qq"], maximum: 10) == [
            frame("qqqqqqqqqq", truncatedFrom: 17)
        ])
    }

    @Test func emitsBareDigitsAtEndOfStream() throws {
        #expect(try decode(["3 abc42"]) == [frame("abc"), frame("42", broken: true)])
    }

    // MARK: - Verifier

    @Test func passesByteToMessageDecoderVerifier() throws {
        let pairs: [(String, [Frame])] = [
            ("<13>plain\n", [frame("<13>plain")]),
            ("<13>crlf\r\n", [frame("<13>crlf")]),
            ("<13>nul\u{0}", [frame("<13>nul")]),
            ("9 <13>octet", [frame("<13>octet")]),
            ("3 a\nb", [frame("a\nb")]),
            ("7x broken\n", [frame("7x broken", broken: true)]),
            ("\n\n", []),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(stringInputOutputPairs: pairs) {
            SyslogStreamFrameDecoder(maximumFrameLength: 64)
        }
    }

    // MARK: - Batching

    @Test func batchesFramesOfOneReadBurst() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(SyslogStreamFrameDecoder()), FrameBatchHandler())
        channel.pipeline.fireChannelRead(ByteBuffer(string: "a\nb\n"))
        channel.pipeline.fireChannelRead(ByteBuffer(string: "3 cde"))
        #expect(try channel.readInbound(as: [Frame].self) == nil)
        channel.pipeline.fireChannelReadComplete()
        #expect(try channel.readInbound(as: [Frame].self) == [frame("a"), frame("b"), frame("cde")])
        channel.pipeline.fireChannelRead(ByteBuffer(string: "tail"))
        _ = try channel.finish()
        #expect(try channel.readInbound(as: [Frame].self) == [frame("tail")])
    }
}
