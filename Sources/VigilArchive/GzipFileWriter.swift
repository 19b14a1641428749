import CZlib
import Crypto
import Foundation

/// Writes one gzip member to a file in constant memory, hashing the compressed bytes as they are
/// written (the manifest's SHA-256) and counting bytes in and out.
final class GzipFileWriter {
    let path: String
    private let descriptor: Int32
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 17)
    private var hasher = SHA256()
    private(set) var uncompressedBytes: Int64 = 0
    private(set) var compressedBytes: Int64 = 0
    private var isFinished = false

    /// Creates (truncating) `path`.
    init(path: String, level: Int32 = 6) throws(ArchiveError) {
        self.path = path
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        guard vigil_deflate_init_gzip(&stream, level) == Z_OK else {
            // Fully initialised: `deinit` runs and closes the file; there is no stream to end.
            isFinished = true
            throw .compression(path: path, reason: "zlib failed to start")
        }
    }

    deinit {
        if !isFinished { deflateEnd(&stream) }
        Glibc.close(descriptor)
    }

    func write(_ bytes: [UInt8]) throws(ArchiveError) {
        uncompressedBytes += Int64(bytes.count)
        try bytes.withUnsafeBufferPointer { buffer throws(ArchiveError) in
            // zlib only reads through next_in.
            stream.next_in = buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            stream.avail_in = UInt32(buffer.count)
            try pump(flush: Z_NO_FLUSH)
        }
    }

    /// Ends the gzip member, flushes it to disk and returns the SHA-256 of the file.
    func finish() throws(ArchiveError) -> [UInt8] {
        stream.next_in = nil
        stream.avail_in = 0
        try pump(flush: Z_FINISH)
        deflateEnd(&stream)
        isFinished = true
        guard fsync(descriptor) == 0 else { throw .io(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
        return Array(hasher.finalize())
    }

    private func pump(flush: Int32) throws(ArchiveError) {
        while true {
            let result: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return deflate(&stream, flush)
            }
            let produced = output.count - Int(stream.avail_out)
            if produced > 0 { try emit(produced) }
            if result == Z_STREAM_END { return }
            guard result == Z_OK || result == Z_BUF_ERROR else {
                throw .compression(path: path, reason: "deflate returned \(result)")
            }
            if flush == Z_NO_FLUSH && stream.avail_in == 0 && stream.avail_out > 0 { return }
        }
    }

    private func emit(_ count: Int) throws(ArchiveError) {
        try output.withUnsafeBufferPointer { buffer throws(ArchiveError) in
            var offset = 0
            while offset < count {
                let n = Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, count - offset)
                guard n > 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
                offset += n
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<count]))
        }
        compressedBytes += Int64(count)
    }
}
