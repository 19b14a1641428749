import CZlib
import Foundation

/// Reads a log file line by line, plain or gzip-compressed (detected by its magic bytes), in
/// constant memory, reporting how many compressed bytes it has consumed for a progress bar.
final class LineFileReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    let size: Int64
    private let handle: FileHandle
    private var stream = z_stream()
    private var isGzip = false
    private var pending: [UInt8] = []
    private var input: [UInt8] = []
    private var finished = false
    private(set) var consumed: Int64 = 0

    init(path: String) throws(Failure) {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "cannot open \(path)") }
        self.handle = handle
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        let magic = (try? handle.read(upToCount: 2)).map { Array($0) } ?? []
        try? handle.seek(toOffset: 0)
        if magic == [0x1F, 0x8B] {
            isGzip = true
            guard vigil_inflate_init_auto(&stream) == Z_OK else { throw Failure(description: "zlib failed to start") }
        }
    }

    deinit {
        if isGzip { inflateEnd(&stream) }
        try? handle.close()
    }

    /// The next line without its newline (and CR), or nil at the end of the file.
    func nextLine() throws(Failure) -> [UInt8]? {
        while true {
            if let newline = pending.firstIndex(of: 10) {
                var line = Array(pending[..<newline])
                pending.removeFirst(newline + 1)
                if line.last == 13 { line.removeLast() }
                return line
            }
            if finished {
                guard !pending.isEmpty else { return nil }
                defer { pending.removeAll() }
                return pending
            }
            try fill()
        }
    }

    private func fill() throws(Failure) {
        let chunk = (try? handle.read(upToCount: 1 << 16)).map { Array($0) } ?? []
        consumed += Int64(chunk.count)
        guard isGzip else {
            if chunk.isEmpty { finished = true } else { pending += chunk }
            return
        }
        if chunk.isEmpty && input.isEmpty {
            finished = true
            return
        }
        input += chunk
        var output = [UInt8](repeating: 0, count: 1 << 17)
        let result: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
        }
        let produced = output.count - Int(stream.avail_out)
        pending += output[0..<produced]
        input.removeFirst(input.count - Int(stream.avail_in))
        switch result {
        case Z_OK, Z_BUF_ERROR:
            if chunk.isEmpty && produced == 0 { throw Failure(description: "\(path) is a truncated gzip file") }
        case Z_STREAM_END:
            // Concatenated gzip members (as logrotate and `cat a.gz b.gz` make) continue.
            if input.isEmpty && chunk.isEmpty { finished = true } else { inflateReset(&stream) }
        default:
            throw Failure(description: "\(path) is not valid gzip: zlib error \(result)")
        }
    }
}
