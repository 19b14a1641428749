import Foundation
import Testing

@testable import VigilCLI

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SpoolTests {
    private let directory =
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-spool-\(UUID().uuidString)").path

    private func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    private func lines(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    private func spoolFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".spool") }.sorted()
    }

    @Test func createsDirectoryWithOwnerOnlyAccess() throws {
        defer { cleanUp() }
        _ = try Spool(directory: directory + "/a/b")
        var info = stat()
        #expect(stat(directory + "/a/b", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func deliversEntriesInOrderOfAdding() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("a1", "a2"))
        try spool.append(lines(#"{"b":"1 2"}"#))
        try spool.append(lines("c1", ""))
        #expect(spool.pendingCount == 5)
        var batches: [[[UInt8]]] = []
        let result = try spool.flush(wait: true) { batches.append($0) }
        #expect(result.delivered == 5)
        #expect(result.remaining == 0)
        #expect(batches == [lines("a1", "a2"), lines(#"{"b":"1 2"}"#), lines("c1", "")])
        #expect(spool.pendingCount == 0)
        #expect(spoolFiles().isEmpty)
    }

    @Test func failedDeliveryKeepsThatFileAndTheRest() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        for name in ["a", "b", "c"] { try spool.append(lines(name)) }
        struct Refused: Error {}
        var attempts: [[[UInt8]]] = []
        let failed = try spool.flush(wait: true) { entries in
            attempts.append(entries)
            if entries == lines("b") { throw Refused() }
        }
        #expect(failed.delivered == 1)
        #expect(failed.remaining == 2)
        #expect(attempts == [lines("a"), lines("b")])
        var later: [[UInt8]] = []
        let retried = try spool.flush(wait: true) { later += $0 }
        #expect(retried.delivered == 2)
        #expect(later == lines("b", "c"))
    }

    @Test func appendOfNothingWritesNothing() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append([])
        #expect(spoolFiles().isEmpty)
    }

    @Test func rejectsEntryWithNewline() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        #expect(throws: SpoolError.self) { try spool.append(lines("ok", "two\nlines")) }
        #expect(spool.pendingCount == 0)
    }

    @Test func refusesAppendBeyondEntryLimit() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory, maxEntries: 3)
        try spool.append(lines("1", "2"))
        #expect(isFull { () throws(SpoolError) in try spool.append(lines("3", "4")) })
        try spool.append(lines("3"))
        #expect(isFull { () throws(SpoolError) in try spool.append(lines("4")) })
        #expect(spool.pendingCount == 3)
    }

    @Test func refusesAppendBeyondByteLimit() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory, maxBytes: 200)
        #expect(isFull { () throws(SpoolError) in try spool.append([[UInt8](repeating: 65, count: 300)]) })
        try spool.append(lines("small"))
        #expect(spool.pendingCount == 1)
    }

    @Test func ignoresFreshTemporaryFileAndRemovesStaleOne() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("real"))
        let fresh = directory + "/.tmp-1-2-3"
        let stale = directory + "/.tmp-4-5-6"
        #expect(FileManager.default.createFile(atPath: fresh, contents: Data("vigil-spool 1 1 0\nhalf".utf8)))
        #expect(FileManager.default.createFile(atPath: stale, contents: Data("vigil-spool 1 1 0\nold".utf8)))
        let twoHoursAgo = Date(timeIntervalSinceNow: -7200)
        try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: stale)
        #expect(spool.pendingCount == 1)
        var delivered: [[UInt8]] = []
        let result = try spool.flush(wait: true) { delivered += $0 }
        #expect(delivered == lines("real"))
        #expect(result.remaining == 0)
        #expect(FileManager.default.fileExists(atPath: fresh))
        #expect(!FileManager.default.fileExists(atPath: stale))
    }

    @Test(arguments: ["truncated", "flipped byte", "bad header"])
    func movesCorruptFileAside(damage: String) throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("first-1", "first-2"))
        try spool.append(lines("second"))
        let path = directory + "/" + spoolFiles()[0]
        var contents = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case "truncated": contents.removeLast(3)
        case "flipped byte": contents[contents.count - 2] ^= 0x20
        default: contents.replaceSubrange(0..<5, with: Array("XXXXX".utf8))
        }
        try Data(contents).write(to: URL(fileURLWithPath: path))
        var delivered: [[UInt8]] = []
        let result = try spool.flush(wait: true) { delivered += $0 }
        #expect(delivered == lines("second"))
        #expect(result.delivered == 1)
        #expect(result.remaining == 0)
        #expect(spool.corruptCount == 1)
    }

    @Test func leavesFileOfNewerFormatInPlace() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("x"))
        let path = directory + "/" + spoolFiles()[0]
        #expect(FileManager.default.createFile(atPath: path, contents: Data("vigil-spool 2 something\nx\n".utf8)))
        var calls = 0
        let result = try spool.flush(wait: true) { _ in calls += 1 }
        #expect(calls == 0)
        #expect(result.remaining == 1)
        #expect(spool.corruptCount == 0)
    }

    @Test func nonBlockingFlushSkipsWhileAnotherHoldsTheLock() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("x"))
        let fd = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX) == 0)
        var calls = 0
        let skipped = try spool.flush(wait: false) { _ in calls += 1 }
        #expect(skipped.delivered == 0)
        #expect(skipped.remaining == 1)
        #expect(calls == 0)
        close(fd)
        #expect(try spool.flush(wait: false) { _ in calls += 1 }.delivered == 1)
    }

    @Test func concurrentAppendsLoseNothingAndKeepEachWritersOrder() async throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        let writers = 4
        let perWriter = 50
        let failures = await withTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var failed = 0
                    for index in 0..<perWriter {
                        do { try spool.append([Array("w\(writer) \(index)".utf8)]) } catch { failed += 1 }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        var delivered: [String] = []
        let result = try spool.flush(wait: true) { delivered += $0.map { String(decoding: $0, as: UTF8.self) } }
        #expect(result.delivered == writers * perWriter)
        for writer in 0..<writers {
            let mine = delivered.filter { $0.hasPrefix("w\(writer) ") }
            #expect(mine == (0..<perWriter).map { "w\(writer) \($0)" })
        }
    }

    @Test func decodesWhatAppendWrites() throws {
        defer { cleanUp() }
        let spool = try Spool(directory: directory)
        try spool.append(lines("α", "", #"{"k":"v"}"#))
        let contents = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + spoolFiles()[0])))
        #expect(contents.starts(with: Array("vigil-spool 1 3 ".utf8)))
        #expect(Spool.decode(contents) == .entries(lines("α", "", #"{"k":"v"}"#)))
        #expect(Spool.decode(Array("vigil-spool 1 1 0000000000000000\nx".utf8)) == .corrupt)
        #expect(Spool.decode([]) == .corrupt)
    }

    private func isFull(_ body: () throws(SpoolError) -> Void) -> Bool {
        do {
            try body()
            return false
        } catch {
            if case .full = error { return true }
            return false
        }
    }
}
