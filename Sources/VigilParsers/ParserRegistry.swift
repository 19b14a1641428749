/// The parsers Vigil knows by name. Adding one is one line here.
public enum ParserRegistry {
    /// Built-in parsers, one line each.
    public static let builtIn: [any SourceParser.Type] = [
        JSONSourceParser.self,
        NginxParser.self,
        ApacheParser.self,
        HAProxyParser.self,
        GatewayParser.self,
        AuthParser.self,
        AuditdParser.self,
        LogfmtParser.self,
        CEFParser.self,
        PatternParser.self,
        WrapperParser.self,
    ]

    /// Names of the built-in parsers, in registration order.
    public static var names: [String] { builtIn.map { $0.name } }

    /// The parser type registered as `name`.
    public static func type(named name: String) -> (any SourceParser.Type)? {
        builtIn.first { $0.name == name }
    }

    /// Builds the parser registered as `name`.
    /// - Parameters:
    ///   - name: the parser's ``SourceParser/name``.
    ///   - configuration: its options.
    /// - Throws: ``ConfigurationError`` when no parser has that name (the error lists the known names),
    ///   or when the parser rejects its options (the path is prefixed with `parsers.NAME`).
    public static func make(name: String, configuration: ParserConfiguration = ParserConfiguration())
        throws(ConfigurationError) -> any SourceParser
    {
        guard let type = type(named: name) else { throw ConfigurationError.unknownParser(name, known: names) }
        do {
            return try type.init(configuration: configuration)
        } catch {
            throw error.prefixed(by: "parsers.\(name)")
        }
    }
}
