import CDeflate
import CZlib
import Crypto
import Foundation

/// Streams the lines of a gzip file (one or more members) in bounded memory, hashing the
/// compressed bytes it reads. A file that ends inside a member is reported as truncated.
///
/// Members up to ``maximumMember`` bytes each way (all that ``GzipFileWriter`` writes) are inflated
/// whole by libdeflate. At the first member it cannot take whole (a single-stream file from another
/// gzip, a member cut short or damaged) the reader goes on with zlib's streaming inflate from that
/// member's start, which also names what is wrong.
final class GzipLineReader {
    let path: String
    let size: Int64
    private let descriptor: Int32

    /// Compressed bytes read but not yet inflated: `buffer[low..<high]`.
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 18
    private var low = 0
    private var high = 0
    private var atEOF = false
    /// The largest member (compressed or not) libdeflate is given whole.
    static let maximumMember = 4 << 20
    private let readChunk = 1 << 18

    private let decompressor: OpaquePointer?
    /// Inflated text: `text[lineStart..<textEnd]` is not returned yet. Members are inflated straight
    /// into the room after it, so no byte is copied between inflating and returning its line.
    private var text = [UInt8](repeating: 0, count: GzipFileWriter.memberSize + (1 << 18))
    private var textEnd = 0
    private var lineStart = 0
    private var hasher = SHA256()
    private var finished = false
    private(set) var consumed: Int64 = 0
    /// The decrypted gzip bytes of an encrypted segment, read from memory instead of the file.
    private var memory: [UInt8]?
    private var memoryOffset = 0

    /// zlib's stream once the reader fell back to it.
    private var stream = z_stream()
    private var isInflating = false
    private var memberOpen = false

    init(path: String, cipher: SegmentCipher? = nil) throws(ArchiveError) {
        self.path = path
        buffer = .allocate(capacity: capacity)
        decompressor = libdeflate_alloc_decompressor()
        descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            buffer.deallocate()
            if let decompressor { libdeflate_free_decompressor(decompressor) }
            throw .io(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        size = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
        var header = [UInt8](repeating: 0, count: SegmentCipher.magic.count)
        let headerCount = Glibc.read(descriptor, &header, header.count)
        lseek(descriptor, 0, SEEK_SET)
        if headerCount == header.count, SegmentCipher.isEncrypted(header) {
            // Every stored property is set by now, so a throw runs `deinit`, which cleans up.
            guard let cipher else {
                throw .compression(path: path, reason: "the segment is encrypted; configure archive.encryption_key")
            }
            guard let all = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read it") }
            hasher.update(data: all)
            memory = try cipher.open(Array(all), path: path)
        }
        if decompressor == nil { try startZlib() }
    }

    deinit {
        if isInflating { inflateEnd(&stream) }
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        Glibc.close(descriptor)
        buffer.deallocate()
    }

    /// The SHA-256 of the compressed bytes read so far (the whole file once `nextLine` returned nil).
    func fileDigest() -> [UInt8] { Array(hasher.finalize()) }

    /// The next line without its newline, or nil at the end of the data. The slice is valid until
    /// the next call.
    func nextLine() throws(ArchiveError) -> ArraySlice<UInt8>? {
        while true {
            let start = lineStart
            let end = textEnd
            let found = text.withUnsafeBufferPointer { buffer -> Int? in
                guard let base = buffer.baseAddress, start < end, let hit = memchr(base + start, 10, end - start) else {
                    return nil
                }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline = found {
                let line = text[lineStart..<newline]
                lineStart = newline + 1
                return line
            }
            if finished {
                guard lineStart < textEnd else { return nil }
                let line = text[lineStart..<textEnd]
                lineStart = textEnd
                return line
            }
            compactText()
            if isInflating { try fillZlib() } else { try fillWhole() }
        }
    }

    /// Moves the unfinished line to the front of `text`.
    private func compactText() {
        guard lineStart > 0 else { return }
        let (start, count) = (lineStart, textEnd - lineStart)
        text.withUnsafeMutableBufferPointer { buffer in
            if count > 0, let base = buffer.baseAddress { memmove(base, base + start, count) }
        }
        textEnd = count
        lineStart = 0
    }

    /// Doubles `text` (up to a whole member plus the unfinished line when `limit` is set); false when
    /// it is that large already.
    private func growText(limit: Int?) -> Bool {
        let target = limit.map { min(text.count * 2, textEnd + $0) } ?? text.count * 2
        guard target > text.count else { return false }
        text.append(contentsOf: repeatElement(0, count: target - text.count))
        return true
    }

    // MARK: - Compressed input

    /// Appends the next chunk of the file (or of the decrypted bytes) to `buffer`, growing it up to
    /// ``maximumMember`` plus a chunk; false at the end of the data.
    private func readMore() throws(ArchiveError) -> Bool {
        if atEOF { return false }
        if low > 0 {
            if high > low { buffer.update(from: buffer + low, count: high - low) }
            high -= low
            low = 0
        }
        if capacity - high < readChunk {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: high)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        let room = min(readChunk, capacity - high)
        let n: Int
        if let memory {
            n = min(room, memory.count - memoryOffset)
            memory.withUnsafeBufferPointer { source in
                if n > 0, let base = source.baseAddress { (buffer + high).update(from: base + memoryOffset, count: n) }
            }
            memoryOffset += n
            consumed = memory.isEmpty ? size : size * Int64(memoryOffset) / Int64(memory.count)
        } else {
            n = Glibc.read(descriptor, buffer + high, room)
            guard n >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
            if n > 0 {
                consumed += Int64(n)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + high, count: n))
            }
        }
        if n == 0 {
            atEOF = true
            return false
        }
        high += n
        return true
    }

    // MARK: - Whole members (libdeflate)

    private func fillWhole() throws(ArchiveError) {
        guard let decompressor else { return try startZlib() }
        if low == high, !(try readMore()) {
            finished = true
            return
        }
        var used = 0
        var produced = 0
        let (input, inputCount, offset) = (buffer + low, high - low, textEnd)
        let result = text.withUnsafeMutableBytes { out in
            libdeflate_gzip_decompress_ex(
                decompressor, input, inputCount, out.baseAddress! + offset, out.count - offset, &used, &produced)
        }
        if result == LIBDEFLATE_SUCCESS {
            low += used
            textEnd += produced
            return
        }
        if result == LIBDEFLATE_INSUFFICIENT_SPACE, growText(limit: Self.maximumMember) { return }
        // BAD_DATA may only mean the member goes on past what is buffered.
        if result == LIBDEFLATE_BAD_DATA, high - low < Self.maximumMember, try readMore() { return }
        try startZlib()
    }

    // MARK: - Streaming (zlib)

    /// Continues with zlib from the first member not inflated yet.
    private func startZlib() throws(ArchiveError) {
        guard vigil_inflate_init_auto(&stream) == Z_OK else {
            throw .compression(path: path, reason: "zlib failed to start")
        }
        isInflating = true
        stream.next_in = buffer + low
        stream.avail_in = UInt32(high - low)
    }

    private func fillZlib() throws(ArchiveError) {
        if stream.avail_in == 0 {
            low = high
            guard try readMore() else {
                if memberOpen { throw .compression(path: path, reason: "the file ends inside the gzip stream (truncated)") }
                finished = true
                return
            }
            stream.next_in = buffer + low
            stream.avail_in = UInt32(high - low)
        }
        // Room for what one call inflates; a line longer than the text so far grows it.
        if text.count - textEnd < 1 << 16 { _ = growText(limit: nil) }
        let offset = textEnd
        let result: Int32 = text.withUnsafeMutableBufferPointer { out in
            stream.next_out = out.baseAddress! + offset
            stream.avail_out = UInt32(out.count - offset)
            return inflate(&stream, Z_NO_FLUSH)
        }
        textEnd = text.count - Int(stream.avail_out)
        switch result {
        case Z_OK, Z_BUF_ERROR:
            memberOpen = true
        case Z_STREAM_END:
            memberOpen = false
            inflateReset(&stream)
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "inflate returned \(result)"
            throw .compression(path: path, reason: message)
        }
    }
}
