import VigilCore

/// The `json` parser: the syslog MSG (or the whole line) is one JSON object whose members are mapped
/// onto the event through aliases; members it does not map go to `attrs` under their own names.
///
/// Options:
/// ```yaml
/// aliases:              # per event field, member names tried before the defaults
///   actor: [who, operator]
///   entity_id: customer_id
/// ```
public struct JSONSourceParser: SourceParser {
    public static let name = "json"

    let aliases: JSONAliasTable

    /// - Throws: ``ConfigurationError`` for an unknown option, an unknown field under `aliases`, or an
    ///   alias list that is not a string or a list of strings.
    public init(configuration: ParserConfiguration) throws(ConfigurationError) {
        try configuration.rejectUnknownOptions(known: ["aliases"])
        var aliases = JSONAliasTable.defaults.names
        let configured = try configuration.object("aliases") ?? [:]
        for key in configured.keys.sorted() {
            let value = configured[key] ?? .null
            guard let field = JSONEventField(jsonName: key) else {
                let known = JSONEventField.allCases.map(\.jsonName).joined(separator: ", ")
                throw ConfigurationError(path: "aliases.\(key)", reason: "unknown event field; expected one of \(known)")
            }
            let names: [String]
            switch value {
            case .string(let name):
                names = [name]
            case .array(let elements):
                var list: [String] = []
                for (index, element) in elements.enumerated() {
                    guard let name = element.stringValue, !name.isEmpty else {
                        throw ConfigurationError(path: "aliases.\(key)[\(index)]", reason: "expected a member name")
                    }
                    list.append(name)
                }
                names = list
            default:
                throw ConfigurationError(path: "aliases.\(key)", reason: "expected a member name or a list of them")
            }
            aliases[field.rawValue] = names + aliases[field.rawValue].filter { !names.contains($0) }
        }
        self.aliases = JSONAliasTable(names: aliases)
    }

    /// `true` when the message starts (after blanks) with `{`.
    public func accepts(_ input: ParserInput) -> Bool {
        for byte in input.syslog.message.utf8 {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "{"): return true
            default: return false
            }
        }
        return false
    }

    /// - Throws: ``ParseError`` when the message is not JSON, or is JSON but not an object.
    public func parse(_ input: ParserInput) throws(ParseError) -> AuditEvent {
        var text = input.syslog.message
        // Parse the String's own UTF-8 storage in place: no copy on the hot path.
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParser.Error) -> [(key: String, value: JSONValue)]? in
                try JSONParser.parseMembers(buffer: buffer)
            }
        }
        let parsed: [(key: String, value: JSONValue)]?
        switch result {
        case .success(let value): parsed = value
        case .failure(let error): throw ParseError(parser: Self.name, reason: error.reason, offset: error.offset)
        }
        guard let members = parsed else {
            throw ParseError(parser: Self.name, reason: "expected a JSON object, found another JSON value", offset: 0)
        }
        var event = input.makeEvent()
        var mapper = JSONEventMapper(members: members, aliases: aliases, timeZone: input.timeZone)
        mapper.fill(&event)
        return event
    }
}
