import VigilCore

/// What a reader knows about one partition file.
public struct PartitionInfo: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Being written by the daemon; few indexes.
        case current
        /// Closed for writing; indexes being built.
        case sealing
        /// Indexes, full-text index and summaries built.
        case sealed
    }

    public var number: Int
    public var path: String
    public var state: State
    public var firstSeq: Int64?
    public var lastSeq: Int64?
    public var minTime: Timestamp?
    public var maxTime: Timestamp?

    public var count: Int64 {
        guard let firstSeq, let lastSeq else { return 0 }
        return lastSeq - firstSeq + 1
    }

    static let prefix = "p"
    static let suffix = ".sqlite"

    static func fileName(number: Int) -> String {
        let digits = String(number)
        return prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + suffix
    }

    static func number(fromFileName name: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return Int(name.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
