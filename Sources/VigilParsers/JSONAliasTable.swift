/// The `json` parser's aliases, indexed both ways: per field the member names in order, and per member
/// name the fields it can fill with its rank, so a payload is matched with one look-up per member.
struct JSONAliasTable: Sendable {
    struct Target: Sendable {
        var field: JSONEventField
        var rank: Int
    }

    /// Member names per field, by `JSONEventField.rawValue`, most preferred first.
    let names: [[String]]
    let targets: [String: [Target]]

    init(names: [[String]]) {
        self.names = names
        var targets: [String: [Target]] = [:]
        for field in JSONEventField.allCases {
            for (rank, name) in names[field.rawValue].enumerated() {
                targets[name, default: []].append(Target(field: field, rank: rank))
            }
        }
        self.targets = targets
    }

    static let defaults = JSONAliasTable(names: JSONEventField.allCases.map(\.defaultAliases))
}
