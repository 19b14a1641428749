#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Cuts a syslog byte stream (TCP or Unix stream) into frames, choosing the framing of each frame from its first byte.
///
/// RFC 6587 §3.4.1 octet counting when the frame starts with a digit, otherwise §3.4.2 non-transparent framing
/// ended by LF (a CR before the LF is stripped) or by NUL. Senders such as rsyslog may mix both on one connection.
///
/// ```
///  octet counting (first byte is a digit)          non-transparent framing (anything else)
///  +---------+----+---------------------------+    +--------------------------+-----------------+
///  | MSG-LEN | SP | SYSLOG-MSG, MSG-LEN bytes |    | SYSLOG-MSG               | [CR] LF  or NUL |
///  +---------+----+---------------------------+    +--------------------------+-----------------+
///  "11 <13>1 - - -"                                "<13>Oct 11 22:14:15 host app: hi\r\n"
/// ```
///
/// Limits: a frame longer than ``maximumFrameLength`` is emitted cut to that length with ``Frame/truncatedFrom`` set;
/// the rest of an over-long line (up to its LF) or of an over-long octet-counted frame is skipped as it streams in,
/// never buffered. A malformed count (digits not followed by SP, more than 9 digits, or 0) makes the frame an
/// LF-terminated line flagged ``Frame/hasBrokenOctetCount``, so no byte is lost. At end of stream a pending partial
/// line is emitted as is and a partial octet-counted frame is emitted truncated. Empty lines are skipped.
public struct SyslogStreamFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// 64 KiB.
    public static let defaultMaximumFrameLength = 65_536

    /// The longest frame emitted whole; longer frames are cut to this length.
    public let maximumFrameLength: Int
    private var state = State.frameStart
    /// How many bytes of the pending LF-framed line were already searched for a trailer.
    private var scannedLength = 0

    /// - Parameter maximumFrameLength: The longest frame emitted whole; must be positive.
    public init(maximumFrameLength: Int = Self.defaultMaximumFrameLength) {
        precondition(maximumFrameLength > 0, "maximumFrameLength must be positive")
        self.maximumFrameLength = maximumFrameLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        while true {
            switch nextStep(&buffer) {
            case .frame(let frame):
                context.fireChannelRead(Self.wrapInboundOut(frame))
                return .continue
            case .consumed:
                continue
            case .needMoreData:
                return .needMoreData
            }
        }
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while true {
            switch nextStep(&buffer) {
            case .frame(let frame):
                context.fireChannelRead(Self.wrapInboundOut(frame))
            case .consumed:
                continue
            case .needMoreData:
                if let frame = finishAtEndOfStream(&buffer) {
                    context.fireChannelRead(Self.wrapInboundOut(frame))
                }
                return .needMoreData
            }
        }
    }

    // MARK: - State machine

    private enum State {
        case frameStart
        /// The first `maximumFrameLength` bytes of an over-long line are kept; the rest is skipped up to its trailer.
        case discardingLine(DiscardedLine)
        /// The rest of an over-long octet-counted frame.
        case skippingOctets(remaining: Int)
    }

    private struct DiscardedLine {
        var kept: [UInt8]
        var length: Int
        var lastByte: UInt8?
        var hasBrokenOctetCount: Bool
    }

    enum Step {
        case frame(Frame)
        case consumed
        case needMoreData
    }

    mutating func nextStep(_ buffer: inout ByteBuffer) -> Step {
        switch state {
        case .frameStart:
            return startFrame(&buffer)
        case .skippingOctets(let remaining):
            let count = min(remaining, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: count)
            if count == remaining {
                state = .frameStart
                return .consumed
            }
            state = .skippingOctets(remaining: remaining - count)
            return .needMoreData
        case .discardingLine(let line):
            return continueDiscarding(line, &buffer)
        }
    }

    private mutating func startFrame(_ buffer: inout ByteBuffer) -> Step {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        var hasBrokenOctetCount = false
        if Self.isDigit(first) {
            switch OctetCountHeader.parse(buffer) {
            case .complete(let header):
                return readOctetCountedFrame(header, &buffer)
            case .incomplete:
                return .needMoreData
            case .broken:
                hasBrokenOctetCount = true
            }
        }
        return readLine(&buffer, hasBrokenOctetCount: hasBrokenOctetCount)
    }

    private mutating func readOctetCountedFrame(_ header: OctetCountHeader, _ buffer: inout ByteBuffer) -> Step {
        let available = buffer.readableBytes - header.headerLength
        if header.messageLength <= maximumFrameLength {
            guard available >= header.messageLength else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: header.headerLength)
            return .frame(Frame(bytes: buffer.readBytes(length: header.messageLength) ?? []))
        }
        guard available >= maximumFrameLength else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: header.headerLength)
        let kept = buffer.readBytes(length: maximumFrameLength) ?? []
        state = .skippingOctets(remaining: header.messageLength - maximumFrameLength)
        return .frame(Frame(bytes: kept, truncatedFrom: header.messageLength))
    }

    private mutating func readLine(_ buffer: inout ByteBuffer, hasBrokenOctetCount: Bool) -> Step {
        let readable = buffer.readableBytes
        guard let trailer = Self.trailerIndex(in: buffer, from: scannedLength) else {
            // One byte of slack: a line of exactly the maximum may still be followed by CR LF.
            guard readable > maximumFrameLength + 1 else {
                scannedLength = readable
                return .needMoreData
            }
            let lastByte = buffer.getInteger(at: buffer.writerIndex - 1, as: UInt8.self)
            let kept = buffer.readBytes(length: maximumFrameLength) ?? []
            buffer.moveReaderIndex(to: buffer.writerIndex)
            scannedLength = 0
            state = .discardingLine(
                DiscardedLine(
                    kept: kept, length: readable, lastByte: lastByte, hasBrokenOctetCount: hasBrokenOctetCount))
            return .consumed
        }
        scannedLength = 0
        var length = trailer
        if trailer > 0, Self.byte(buffer, trailer) == Self.lf, Self.byte(buffer, trailer - 1) == Self.cr {
            length -= 1
        }
        var frame: Frame?
        if length > maximumFrameLength {
            let kept = buffer.getBytes(at: buffer.readerIndex, length: maximumFrameLength) ?? []
            frame = Frame(bytes: kept, truncatedFrom: length, hasBrokenOctetCount: hasBrokenOctetCount)
        } else if length > 0 {
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: length) ?? []
            frame = Frame(bytes: bytes, hasBrokenOctetCount: hasBrokenOctetCount)
        }
        buffer.moveReaderIndex(forwardBy: trailer + 1)
        return frame.map { .frame($0) } ?? .consumed
    }

    private mutating func continueDiscarding(_ line: DiscardedLine, _ buffer: inout ByteBuffer) -> Step {
        var line = line
        if let trailer = Self.trailerIndex(in: buffer, from: 0) {
            line.length += trailer
            if Self.byte(buffer, trailer) == Self.lf {
                let previous = trailer > 0 ? Self.byte(buffer, trailer - 1) : line.lastByte
                if previous == Self.cr { line.length -= 1 }
            }
            buffer.moveReaderIndex(forwardBy: trailer + 1)
            state = .frameStart
            return .frame(
                Frame(bytes: line.kept, truncatedFrom: line.length, hasBrokenOctetCount: line.hasBrokenOctetCount))
        }
        let readable = buffer.readableBytes
        guard readable > 0 else { return .needMoreData }
        line.length += readable
        line.lastByte = buffer.getInteger(at: buffer.writerIndex - 1, as: UInt8.self)
        buffer.moveReaderIndex(to: buffer.writerIndex)
        state = .discardingLine(line)
        return .needMoreData
    }

    /// What is left when the stream ends: a partial line is emitted whole, a partial octet frame truncated.
    mutating func finishAtEndOfStream(_ buffer: inout ByteBuffer) -> Frame? {
        let state = self.state
        self.state = .frameStart
        scannedLength = 0
        switch state {
        case .skippingOctets:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        case .discardingLine(let line):
            let rest = buffer.readableBytes
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return Frame(
                bytes: line.kept, truncatedFrom: line.length + rest, hasBrokenOctetCount: line.hasBrokenOctetCount)
        case .frameStart:
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
            var hasBrokenOctetCount = false
            if Self.isDigit(first) {
                if case .complete(let header) = OctetCountHeader.parse(buffer) {
                    buffer.moveReaderIndex(forwardBy: header.headerLength)
                    let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                    return bytes.isEmpty ? nil : Frame(bytes: bytes, truncatedFrom: header.messageLength)
                }
                hasBrokenOctetCount = true
            }
            var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            if bytes.last == Self.cr { bytes.removeLast() }
            guard !bytes.isEmpty else { return nil }
            var truncatedFrom: Int?
            if bytes.count > maximumFrameLength {
                truncatedFrom = bytes.count
                bytes.removeLast(bytes.count - maximumFrameLength)
            }
            return Frame(bytes: bytes, truncatedFrom: truncatedFrom, hasBrokenOctetCount: hasBrokenOctetCount)
        }
    }

    // MARK: - Scanning

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func byte(_ buffer: ByteBuffer, _ offset: Int) -> UInt8? {
        buffer.getInteger(at: buffer.readerIndex + offset, as: UInt8.self)
    }

    /// Offset from the reader index of the first LF or NUL at or after `start`.
    private static func trailerIndex(in buffer: ByteBuffer, from start: Int) -> Int? {
        buffer.withUnsafeReadableBytes { raw -> Int? in
            guard start < raw.count, let base = raw.baseAddress else { return nil }
            let searched = base + start
            let count = raw.count - start
            let lf = memchr(searched, Int32(Self.lf), count).map { searched.distance(to: UnsafeRawPointer($0)) }
            if let nul = memchr(searched, 0, lf ?? count) {
                return start + searched.distance(to: UnsafeRawPointer(nul))
            }
            return lf.map { start + $0 }
        }
    }
}

/// The `MSG-LEN SP` prefix of an RFC 6587 octet-counted frame.
struct OctetCountHeader {
    var messageLength: Int
    /// Digits plus the space.
    var headerLength: Int

    enum ParseResult {
        case complete(OctetCountHeader)
        /// Only digits so far (at most 9).
        case incomplete
        /// Digits not followed by SP, more than 9 digits, or a length of 0.
        case broken
    }

    static let maximumDigits = 9

    static func parse(_ buffer: ByteBuffer) -> ParseResult {
        buffer.withUnsafeReadableBytes { raw in
            var value = 0
            var index = 0
            while index < raw.count, index <= maximumDigits {
                let byte = raw[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                index += 1
            }
            if index > maximumDigits { return .broken }
            if index == raw.count { return .incomplete }
            guard raw[index] == UInt8(ascii: " "), value > 0 else { return .broken }
            return .complete(OctetCountHeader(messageLength: value, headerLength: index + 1))
        }
    }
}
