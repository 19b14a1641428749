import CDeflate
import Crypto
import Foundation

/// Writes gzip to a file as a series of members of at most ``memberSize`` uncompressed bytes each,
/// compressed whole by libdeflate, hashing the compressed bytes as they are written (the manifest's
/// SHA-256) and counting bytes in and out. `zcat` reads the members as one stream; memory stays
/// bounded by one member and its compressed bound.
final class GzipFileWriter {
    /// Uncompressed bytes per gzip member. DEFLATE's window is 32 KiB, so members this large lose
    /// nothing measurable to a single stream; ``GzipLineReader`` reads each one in a single call.
    static let memberSize = 1 << 20

    let path: String
    private let descriptor: Int32
    private let compressor: OpaquePointer
    private var pending: [UInt8] = []
    private var output: [UInt8]
    private var hasher = SHA256()
    private(set) var uncompressedBytes: Int64 = 0
    private(set) var compressedBytes: Int64 = 0

    /// Creates (truncating) `path`.
    init(path: String, level: Int32 = SegmentOptions.defaultCompressionLevel) throws(ArchiveError) {
        self.path = path
        guard let compressor = libdeflate_alloc_compressor(level) else {
            throw .compression(path: path, reason: "libdeflate failed to start (level \(level))")
        }
        self.compressor = compressor
        output = [UInt8](repeating: 0, count: libdeflate_gzip_compress_bound(compressor, Self.memberSize))
        pending.reserveCapacity(Self.memberSize)
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            libdeflate_free_compressor(compressor)
            throw .io(path: path, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        libdeflate_free_compressor(compressor)
        Glibc.close(descriptor)
    }

    func write(_ bytes: [UInt8]) throws(ArchiveError) {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(ArchiveError) in try write(buffer) } }
        try result.get()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        uncompressedBytes += Int64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let take = min(Self.memberSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
            offset += take
            if pending.count == Self.memberSize { try compressPending() }
        }
    }

    /// `line` and a newline.
    func writeLine(_ line: UnsafeRawBufferPointer) throws(ArchiveError) {
        try write(line)
        uncompressedBytes += 1
        pending.append(10)
        if pending.count == Self.memberSize { try compressPending() }
    }

    /// Ends the last member, flushes the file to disk and returns the SHA-256 of the file.
    func finish() throws(ArchiveError) -> [UInt8] {
        if !pending.isEmpty || compressedBytes == 0 { try compressPending() }
        guard fsync(descriptor) == 0 else { throw .io(path: path, reason: "fsync: \(String(cString: strerror(errno)))") }
        return Array(hasher.finalize())
    }

    private func compressPending() throws(ArchiveError) {
        let produced = pending.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                libdeflate_gzip_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
            }
        }
        guard produced > 0 else { throw .compression(path: path, reason: "libdeflate could not compress a member") }
        pending.removeAll(keepingCapacity: true)
        try output.withUnsafeBufferPointer { buffer throws(ArchiveError) in
            var offset = 0
            while offset < produced {
                let n = Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, produced - offset)
                guard n > 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
                offset += n
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<produced]))
        }
        compressedBytes += Int64(produced)
    }
}
