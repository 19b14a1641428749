import CZlib
import Crypto
import Foundation

/// Streams the lines of a gzip file (one or more members) in constant memory, hashing the
/// compressed bytes it reads. A file that ends inside a member is reported as truncated.
final class GzipLineReader {
    let path: String
    let size: Int64
    private let descriptor: Int32
    private var stream = z_stream()
    private let inputCapacity = 1 << 16
    // Owned here so zlib can keep pointing into it between calls.
    private let input: UnsafeMutablePointer<UInt8>
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var hasher = SHA256()
    private var atEOF = false
    private var memberOpen = false
    private var finished = false
    private(set) var consumed: Int64 = 0
    /// The decrypted gzip bytes of an encrypted segment, read from memory instead of the file.
    private var memory: [UInt8]?
    private var memoryOffset = 0
    private var isInflating = false

    init(path: String, cipher: SegmentCipher? = nil) throws(ArchiveError) {
        self.path = path
        input = .allocate(capacity: inputCapacity)
        descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            input.deallocate()
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
        guard vigil_inflate_init_auto(&stream) == Z_OK else {
            throw .compression(path: path, reason: "zlib failed to start")
        }
        isInflating = true
        stream.avail_in = 0
    }

    deinit {
        if isInflating { inflateEnd(&stream) }
        Glibc.close(descriptor)
        input.deallocate()
    }

    /// The SHA-256 of the compressed bytes read so far (the whole file once `nextLine` returned nil).
    func fileDigest() -> [UInt8] { Array(hasher.finalize()) }

    /// The next line without its newline, or nil at the end of the data.
    func nextLine() throws(ArchiveError) -> ArraySlice<UInt8>? {
        while true {
            let start = pendingStart
            let found = pending.withUnsafeBufferPointer { buffer -> Int? in
                guard let base = buffer.baseAddress, start < buffer.count,
                    let hit = memchr(base + start, 10, buffer.count - start)
                else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline = found {
                let line = pending[pendingStart..<newline]
                pendingStart = newline + 1
                return line
            }
            if finished {
                guard pendingStart < pending.count else { return nil }
                let line = pending[pendingStart...]
                pendingStart = pending.count
                return line
            }
            if pendingStart > 0 {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            try fill()
        }
    }

    private func fill() throws(ArchiveError) {
        if stream.avail_in == 0 {
            let n: Int
            if let memory {
                n = min(inputCapacity, memory.count - memoryOffset)
                memory.withUnsafeBufferPointer { buffer in
                    if n > 0, let base = buffer.baseAddress { input.update(from: base + memoryOffset, count: n) }
                }
                memoryOffset += n
            } else {
                n = Glibc.read(descriptor, input, inputCapacity)
            }
            guard n >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 {
                if memberOpen { throw .compression(path: path, reason: "the file ends inside the gzip stream (truncated)") }
                finished = true
                return
            }
            if let memory {
                consumed = memory.isEmpty ? size : size * Int64(memoryOffset) / Int64(memory.count)
            } else {
                consumed += Int64(n)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: input, count: n))
            }
            stream.avail_in = UInt32(n)
            stream.next_in = input
        }
        let result: Int32 = output.withUnsafeMutableBufferPointer { out in
            stream.next_out = out.baseAddress
            stream.avail_out = UInt32(out.count)
            return inflate(&stream, Z_NO_FLUSH)
        }
        let produced = output.count - Int(stream.avail_out)
        if produced > 0 { pending.append(contentsOf: output[0..<produced]) }
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
