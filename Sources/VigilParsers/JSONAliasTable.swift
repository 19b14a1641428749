/// The `json` parser's aliases, indexed both ways: per field the member names in order, and per member
/// name the fields it can fill with its rank, so a payload is matched with one look-up per member.
struct JSONAliasTable: Sendable {
    struct Target: Sendable {
        var field: JSONEventField
        var rank: Int
    }

    /// Member names per field, by `JSONEventField.rawValue`, most preferred first.
    let names: [[String]]

    init(names: [[String]]) {
        self.names = names
        var targets: [String: [Target]] = [:]
        for field in JSONEventField.allCases {
            for (rank, name) in names[field.rawValue].enumerated() {
                targets[name, default: []].append(Target(field: field, rank: rank))
            }
        }
        index = NameIndex(targets)
    }

    /// The fields `name` can fill, with their ranks; looked up without SipHash on the hot path.
    @inline(__always) func lookup(_ name: String) -> [Target]? { index.lookup(name) }

    private let index: NameIndex

    /// An open-addressing table over the alias names with FNV-1a: every member of every payload is
    /// looked up once, and member names are short.
    private struct NameIndex: Sendable {
        let mask: Int
        let names: [String?]
        let values: [[Target]]

        init(_ entries: [String: [Target]]) {
            var size = 16
            while size < entries.count * 4 { size *= 2 }
            var names = [String?](repeating: nil, count: size)
            var values = [[Target]](repeating: [], count: size)
            for (name, targets) in entries {
                var slot = NameIndex.hash(name) & (size - 1)
                while names[slot] != nil { slot = (slot + 1) & (size - 1) }
                names[slot] = name
                values[slot] = targets
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

        func lookup(_ name: String) -> [Target]? {
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
