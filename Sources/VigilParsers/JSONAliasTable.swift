import Foundation

/// The `json` parser's aliases, indexed both ways: per field the member names in order, and per member
/// name the fields it can fill with its rank, so a payload is matched with one look-up per member.
struct JSONAliasTable: Sendable {
    struct Target: Sendable {
        var field: JSONEventField
        var rank: Int
    }

    /// Member names the mapper reads by name besides the aliases (`duration` in seconds, `before`
    /// and `after` objects): found in the same look-up, so no member is compared with them.
    enum Special: UInt8, Sendable {
        case none, duration, before, after
    }

    /// What one member name can be: the fields it fills (with ranks, a range of `targets`) and
    /// whether it is special. Plain values, so a look-up retains nothing.
    struct Entry: Sendable {
        var targets: Range<Int> = 0..<0
        var special = Special.none
    }

    /// Every name's targets, one run per name.
    let targets: [Target]

    /// Member names per field, by `JSONEventField.rawValue`, most preferred first.
    let names: [[String]]

    init(names: [[String]]) {
        self.names = names
        var byName: [String: (targets: [Target], special: Special)] = [:]
        for field in JSONEventField.allCases {
            for (rank, name) in names[field.rawValue].enumerated() {
                byName[name, default: ([], .none)].targets.append(Target(field: field, rank: rank))
            }
        }
        for (name, special) in [("duration", Special.duration), ("before", .before), ("after", .after)] {
            byName[name, default: ([], .none)].special = special
        }
        var targets: [Target] = []
        var entries: [String: Entry] = [:]
        for (name, value) in byName {
            entries[name] = Entry(targets: targets.count..<targets.count + value.targets.count, special: value.special)
            targets += value.targets
        }
        self.targets = targets
        index = NameIndex(entries)
    }

    /// The fields `name` can fill, with their ranks, and whether it is special; `nil` for a name
    /// the mapper never reads. Looked up without SipHash on the hot path.
    @inline(__always) func lookup(_ name: String) -> Entry? { index.lookup(name) }

    private let index: NameIndex

    /// An open-addressing table over the alias names with FNV-1a: every member of every payload is
    /// looked up once, and member names are short. Names are kept as bytes and compared with the
    /// member's UTF-8 in place.
    private struct NameIndex: Sendable {
        let mask: Int
        /// Per slot the name's UTF-8, empty for a free slot (no alias name is empty).
        let names: [[UInt8]]
        let values: [Entry]

        init(_ entries: [String: Entry]) {
            var size = 16
            while size < entries.count * 4 { size *= 2 }
            var names = [[UInt8]](repeating: [], count: size)
            var values = [Entry](repeating: Entry(), count: size)
            for (name, entry) in entries where !name.isEmpty {
                let bytes = Array(name.utf8)
                var slot = bytes.withUnsafeBufferPointer(NameIndex.hash) & (size - 1)
                while !names[slot].isEmpty { slot = (slot + 1) & (size - 1) }
                names[slot] = bytes
                values[slot] = entry
            }
            mask = size - 1
            self.names = names
            self.values = values
        }

        @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }

        func lookup(_ name: String) -> Entry? {
            if let found = name.utf8.withContiguousStorageIfAvailable({ lookup(bytes: $0) }) { return found }
            return Array(name.utf8).withUnsafeBufferPointer { lookup(bytes: $0) }
        }

        private func lookup(bytes: UnsafeBufferPointer<UInt8>) -> Entry? {
            guard !bytes.isEmpty else { return nil }
            var slot = NameIndex.hash(bytes) & mask
            while true {
                let candidate = names[slot]
                if candidate.isEmpty { return nil }
                if candidate.count == bytes.count,
                    candidate.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
                {
                    return values[slot]
                }
                slot = (slot + 1) & mask
            }
        }
    }

    static let defaults = JSONAliasTable(names: JSONEventField.allCases.map(\.defaultAliases))
}
