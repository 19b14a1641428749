import Crypto
import Foundation
import Testing
import VigilTestSupport

@testable import VigilArchive

/// Segments are written as bounded gzip members (libdeflate) and read member by member, with zlib
/// taking over for streams too large to inflate whole and for damaged files.
@Suite struct GzipTests {
    static func lines(_ count: Int, seed: Int = 0) -> [[UInt8]] {
        (0..<count).map { i in
            Array(#"{"seq":\#(i + seed),"actor":"user\#((i * 7) % 311)","action":"view","url":"/admin/order/\#(i * 13)/","n":\#(i % 97)}"#.utf8)
        }
    }

    static func readAll(_ path: String) throws -> (lines: [[UInt8]], digest: [UInt8]) {
        let reader = try GzipLineReader(path: path)
        var lines: [[UInt8]] = []
        while let line = try reader.nextLine() { lines.append(Array(line)) }
        return (lines, reader.fileDigest())
    }

    /// Writes `count` lines through a `GzipFileWriter`, returns the file's SHA-256.
    @discardableResult
    static func writeSegment(_ path: String, lines count: Int) throws -> [UInt8] {
        let writer = try GzipFileWriter(path: path)
        for line in Self.lines(count) { try writer.write(line + [10]) }
        return try writer.finish()
    }

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "vigil-gzip-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
    }

    /// The level reaches libdeflate: higher levels write smaller files, every level reads back whole.
    @Test func theCompressionLevelIsApplied() throws {
        let lines = Self.lines(20_000)
        var sizes: [Int32: Int64] = [:]
        for level in [1, SegmentOptions.defaultCompressionLevel, 12] {
            let path = Self.temporaryPath("level\(level).gz")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let writer = try GzipFileWriter(path: path, level: level)
            for line in lines { try writer.write(line + [10]) }
            _ = try writer.finish()
            sizes[level] = writer.compressedBytes
            #expect(try Self.readAll(path).lines == lines)
        }
        #expect(sizes[1]! > sizes[SegmentOptions.defaultCompressionLevel]!)
        #expect(sizes[SegmentOptions.defaultCompressionLevel]! > sizes[12]!)
    }

    @Test func membersAreBoundedAndZcatReadsThemAsOneStream() throws {
        let path = Self.temporaryPath("members.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = Self.lines(40_000)
        let writer = try GzipFileWriter(path: path)
        for line in lines { try writer.write(line + [10]) }
        let digest = try writer.finish()
        let total = lines.reduce(0) { $0 + $1.count + 1 }
        #expect(total > 3 * GzipFileWriter.memberSize)
        #expect(writer.uncompressedBytes == Int64(total))

        let file = try #require(FileManager.default.contents(atPath: path))
        #expect(digest == Array(SHA256.hash(data: file)))
        // Every member starts with the gzip magic; one per started MiB of input.
        let magic = zip(file, file.dropFirst()).enumerated().filter { $0.element == (0x1F, 0x8B) }.count
        #expect(magic >= (total + GzipFileWriter.memberSize - 1) / GzipFileWriter.memberSize)

        let zcat = try TestSupport.run("/usr/bin/zcat", [path])
        #expect(zcat.status == 0)
        #expect(zcat.output == lines.map { String(decoding: $0, as: UTF8.self) + "\n" }.joined())
        let read = try Self.readAll(path)
        #expect(read.lines == lines)
        #expect(read.digest == digest)
    }

    @Test func aSingleStreamLargerThanAWholeMemberIsReadWithZlib() throws {
        let plain = Self.temporaryPath("plain.jsonl")
        let path = plain + ".gz"
        defer {
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(atPath: path)
        }
        let lines = Self.lines(70_000, seed: 5)
        try Data(lines.flatMap { $0 + [10] }).write(to: URL(fileURLWithPath: plain))
        #expect(lines.reduce(0) { $0 + $1.count + 1 } > GzipLineReader.maximumMember)
        #expect(try TestSupport.run("/bin/sh", ["-c", "gzip -c '\(plain)' > '\(path)'"]).status == 0)
        let read = try Self.readAll(path)
        #expect(read.lines == lines)
        #expect(read.digest == Array(SHA256.hash(data: try #require(FileManager.default.contents(atPath: path)))))
    }

    @Test func aFileCutInsideAMemberIsReportedTruncated() throws {
        let path = Self.temporaryPath("cut.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSegment(path, lines: 30_000)
        let file = try #require(FileManager.default.contents(atPath: path))
        try file.prefix(file.count * 2 / 3).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Self.readAll(path)
        } throws: { error in
            "\(error)".contains("truncated")
        }
    }

    @Test func aDamagedByteIsAnErrorNotACrash() throws {
        let path = Self.temporaryPath("damaged.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.writeSegment(path, lines: 30_000)
        var file = try #require(FileManager.default.contents(atPath: path))
        file[file.count / 2] ^= 0xFF
        try file.write(to: URL(fileURLWithPath: path))
        #expect(throws: ArchiveError.self) { _ = try Self.readAll(path) }
    }

    @Test func aFullDiskIsReportedByTheWrite() throws {
        let writer = try GzipFileWriter(path: "/dev/full")
        #expect {
            for line in Self.lines(30_000) { try writer.write(line + [10]) }
            _ = try writer.finish()
        } throws: { error in
            "\(error)".contains("No space left")
        }
    }

    @Test func anEmptySegmentIsOneEmptyMember() throws {
        let path = Self.temporaryPath("empty.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try GzipFileWriter(path: path)
        _ = try writer.finish()
        #expect(try TestSupport.run("/usr/bin/zcat", [path]).status == 0)
        #expect(try Self.readAll(path).lines.isEmpty)
    }
}
