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

    /// What one member name can be: the fields it fills (with ranks) and whether it is special.
    struct Entry: Sendable {
        var targets: [Target] = []
        var special = Special.none
    }

    /// Member names per field, by `JSONEventField.rawValue`, most preferred first.
    let names: [[String]]

    init(names: [[String]]) {
        self.names = names
        var entries: [String: Entry] = [:]
        for field in JSONEventField.allCases {
            for (rank, name) in names[field.rawValue].enumerated() {
                entries[name, default: Entry()].targets.append(Target(field: field, rank: rank))
            }
        }
        for (name, special) in [("duration", Special.duration), ("before", .before), ("after", .after)] {
            entries[name, default: Entry()].special = special
        }
        index = NameIndex(entries)
    }

    /// The fields `name` can fill, with their ranks, and whether it is special; `nil` for a name
    /// the mapper never reads. Looked up without SipHash on the hot path.
    @inline(__always) func lookup(_ name: String) -> Entry? { index.lookup(name) }

    private let index: NameIndex

    /// An open-addressing table over the alias names with FNV-1a: every member of every payload is
    /// looked up once, and member names are short.
    private struct NameIndex: Sendable {
        let mask: Int
        let names: [String?]
        let values: [Entry]

        init(_ entries: [String: Entry]) {
            var size = 16
            while size < entries.count * 4 { size *= 2 }
            var names = [String?](repeating: nil, count: size)
            var values = [Entry](repeating: Entry(), count: size)
            for (name, entry) in entries {
                var slot = NameIndex.hash(name) & (size - 1)
                while names[slot] != nil { slot = (slot + 1) & (size - 1) }
                names[slot] = name
                values[slot] = entry
            }
            mask = size - 1
            self.names = names
            self.values = values
        }

        @inline(__always) static func hash(_ name: String) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }

        func lookup(_ name: String) -> Entry? {
            var slot = NameIndex.hash(name) & mask
            while let candidate = names[slot] {
                if candidate == name { return values[slot] }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    static let defaults = JSONAliasTable(names: JSONEventField.allCases.map(\.defaultAliases))
}
