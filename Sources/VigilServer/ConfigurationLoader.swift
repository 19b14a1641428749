import Foundation
import VigilCore
import VigilParsers
import Yams

/// Reads `vigil.yaml`, checking every key and value and reporting the file, line and field of
/// the first mistake. Unknown keys are errors, not silently ignored.
public enum ConfigurationLoader {
    public static func load(file: String) throws(ConfigurationFileError) -> VigilConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigurationFileError(file: file, line: nil, field: "", reason: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws(ConfigurationFileError) -> VigilConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationFileError(file: file, line: yamlLine(error), field: "", reason: "not valid YAML: \(error)")
        } catch {
            throw ConfigurationFileError(file: file, line: nil, field: "", reason: "not valid YAML: \(error)")
        }
        var config = VigilConfiguration()
        guard let root else { return config }
        let reader = NodeReader(file: file)
        let top = try reader.mapping(root, "")
        try reader.allowOnly(
            top, ["data_dir", "listeners", "http", "store", "routes", "parsers", "log_level", "drop", "redact", "jobs", "alerts",
                  "archive", "retention"], in: "")
        if let node = top["data_dir"] { config.dataDirectory = try reader.string(node, "data_dir") }
        if let node = top["log_level"] {
            config.logLevel = try reader.oneOf(node, "log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        }
        if let node = top["listeners"] { config.listeners = try listeners(node, reader) }
        if let node = top["http"] { config.http = try http(node, reader) }
        if let node = top["store"] { config.store = try store(node, reader) }
        if let node = top["routes"] { config.routes = try routes(node, reader) }
        if let node = top["jobs"] { config.jobs = try jobs(node, reader) }
        if let node = top["alerts"] { config.alerts = try alerts(node, reader, file: file) }
        if let node = top["archive"] { config.archive = try archive(node, reader, dataDirectory: config.dataDirectory) }
        if let node = top["retention"] { config.retention = try retention(node, reader) }
        if let node = top["drop"] {
            for (i, item) in try reader.sequence(node, "drop").enumerated() {
                let m = try reader.mapping(item, "drop[\(i)]")
                try reader.allowOnly(m, ["name", "filter"], in: "drop[\(i)]")
                guard let name = m["name"], let filter = m["filter"] else {
                    throw reader.error(item, "drop[\(i)]", "a drop rule needs a 'name' and a 'filter'")
                }
                config.drop.append((try reader.string(name, "drop[\(i)].name"), try reader.string(filter, "drop[\(i)].filter")))
            }
        }
        if let node = top["redact"] {
            let m = try reader.mapping(node, "redact")
            try reader.allowOnly(m, ["replacement", "disable", "rules"], in: "redact")
            if let n = m["replacement"] { config.redaction.replacement = try reader.string(n, "redact.replacement") }
            if let n = m["disable"] {
                config.redaction.disable = try reader.sequence(n, "redact.disable").enumerated().map { i, item throws(ConfigurationFileError) in
                    try reader.string(item, "redact.disable[\(i)]")
                }
            }
            if let n = m["rules"] {
                for (i, item) in try reader.sequence(n, "redact.rules").enumerated() {
                    let path = "redact.rules[\(i)]"
                    let r = try reader.mapping(item, path)
                    try reader.allowOnly(r, ["name", "pattern", "replacement", "fields", "contains"], in: path)
                    guard let name = r["name"], let pattern = r["pattern"] else {
                        throw reader.error(item, path, "a redaction rule needs a 'name' and a 'pattern'")
                    }
                    var fields: [String]?
                    if let f = r["fields"] {
                        fields = try reader.sequence(f, path + ".fields").enumerated().map { j, x throws(ConfigurationFileError) in
                            try reader.string(x, path + ".fields[\(j)]")
                        }
                    }
                    config.redaction.rules.append((
                        try reader.string(name, path + ".name"), try reader.string(pattern, path + ".pattern"),
                        try r["replacement"].map { x throws(ConfigurationFileError) in try reader.string(x, path + ".replacement") },
                        fields,
                        try r["contains"].map { x throws(ConfigurationFileError) in try reader.string(x, path + ".contains") }
                    ))
                }
            }
        }
        if let node = top["parsers"] {
            for (name, options) in try reader.mapping(node, "parsers") {
                let value = try reader.json(options, "parsers.\(name)")
                guard case .object(var object) = value else {
                    throw reader.error(options, "parsers.\(name)", "expected a mapping of options")
                }
                if let include = object.removeValue(forKey: "include") {
                    object = try includeOptions(include, into: object, parser: name, node: options, file: file, reader: reader)
                }
                config.parsers[name] = object
            }
        }
        try validate(config, top: top, reader: reader)
        return config
    }

    /// Merges the top-level keys of YAML files named by `include:` (relative to the including file)
    /// under the parser's own options; lists (such as `templates`) are concatenated, own options first.
    static func includeOptions(
        _ include: JSONValue, into options: [String: JSONValue], parser: String, node: Node, file: String,
        reader: NodeReader
    ) throws(ConfigurationFileError) -> [String: JSONValue] {
        let paths: [String]
        switch include {
        case .string(let path): paths = [path]
        case .array(let items): paths = items.compactMap(\.stringValue)
        default: throw reader.error(node, "parsers.\(parser).include", "expected a file path or a list of paths")
        }
        var merged = options
        let base = (file as NSString).deletingLastPathComponent
        for path in paths {
            let full = path.hasPrefix("/") ? path : (base.isEmpty ? path : base + "/" + path)
            let text: String
            do {
                text = try String(contentsOfFile: full, encoding: .utf8)
            } catch {
                throw reader.error(node, "parsers.\(parser).include", "cannot read \(full): \(error.localizedDescription)")
            }
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch {
                throw ConfigurationFileError(file: full, line: nil, field: "", reason: "not valid YAML: \(error)")
            }
            guard let root else { continue }
            let included = NodeReader(file: full)
            guard case .object(let object) = try included.json(root, "") else {
                throw included.error(root, "", "expected a mapping of parser options")
            }
            for (key, value) in object {
                if case .array(let extra) = value, case .array(let own)? = merged[key] {
                    merged[key] = .array(own + extra)
                } else if merged[key] == nil {
                    merged[key] = value
                }
            }
        }
        return merged
    }

    /// The line and column of a dotted field path (`parsers.pattern.rules[2].regex`) in a YAML file:
    /// the deepest node that exists on that path.
    public static func locate(_ path: String, inFile file: String) -> (line: Int, column: Int)? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), var node = try? Yams.compose(yaml: text) else {
            return nil
        }
        var found = node.mark.map { ($0.line, $0.column) }
        for segment in path.split(separator: ".") {
            var key = Substring(segment)
            var indices: [Int] = []
            while let open = key.lastIndex(of: "["), key.hasSuffix("]"), let index = Int(key[key.index(after: open)..<key.index(before: key.endIndex)]) {
                indices.insert(index, at: 0)
                key = key[..<open]
            }
            if !key.isEmpty {
                guard let next = node.mapping?[String(key)] else { break }
                node = next
            }
            var complete = true
            for index in indices {
                guard let sequence = node.sequence, index < sequence.count else {
                    complete = false
                    break
                }
                node = sequence[index]
            }
            found = node.mark.map { ($0.line, $0.column) } ?? found
            if !complete { break }
        }
        return found.map { (line: $0.0, column: $0.1) }
    }

    private static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    static func listeners(_ node: Node, _ r: NodeReader) throws(ConfigurationFileError) -> [VigilConfiguration.Listener] {
        var result: [VigilConfiguration.Listener] = []
        for (i, item) in try r.sequence(node, "listeners").enumerated() {
            let path = "listeners[\(i)]"
            let m = try r.mapping(item, path)
            try r.allowOnly(m, ["name", "type", "address", "path", "max_line_length", "receive_buffer", "mode"], in: path)
            guard let typeNode = m["type"] else { throw r.error(item, path, "a listener needs a 'type'") }
            let type = try r.oneOf(typeNode, path + ".type", VigilConfiguration.Listener.Kind.allCases.map(\.rawValue))
            let kind = VigilConfiguration.Listener.Kind(rawValue: type) ?? .udp
            var listener = VigilConfiguration.Listener(name: type, kind: kind)
            if let n = m["name"] { listener.name = try r.string(n, path + ".name") }
            switch kind {
            case .udp, .tcp:
                guard let a = m["address"] else { throw r.error(item, path, "a \(type) listener needs an 'address' (HOST:PORT)") }
                (listener.host, listener.port) = try r.hostPort(a, path + ".address")
                if m["path"] != nil { throw r.error(item, path + ".path", "only unix listeners take a path") }
            case .unix, .unixDatagram:
                guard let p = m["path"] else { throw r.error(item, path, "a \(type) listener needs a 'path'") }
                listener.path = try r.string(p, path + ".path")
                if m["address"] != nil { throw r.error(item, path + ".address", "unix listeners take a path, not an address") }
            }
            if let n = m["max_line_length"] { listener.maximumLineLength = try r.int(n, path + ".max_line_length", min: 256, max: 16 << 20) }
            if let n = m["receive_buffer"] { listener.receiveBufferSize = try r.int(n, path + ".receive_buffer", min: 4096, max: 1 << 30) }
            if let n = m["mode"] {
                let text = try r.string(n, path + ".mode")
                guard let mode = Int(text, radix: 8), (0...0o777).contains(mode) else {
                    throw r.error(n, path + ".mode", "expected octal permissions such as 0660, got '\(text)'")
                }
                listener.socketMode = mode
            }
            if result.contains(where: { $0.name == listener.name }) {
                throw r.error(item, path + ".name", "the listener name '\(listener.name)' is used twice")
            }
            result.append(listener)
        }
        return result
    }

    static func http(_ node: Node, _ r: NodeReader) throws(ConfigurationFileError) -> VigilConfiguration.HTTP? {
        if node.scalar?.string == "off" || node.scalar?.string == "false" { return nil }
        let m = try r.mapping(node, "http")
        try r.allowOnly(m, ["address", "max_body_size", "tokens"], in: "http")
        var http = VigilConfiguration.HTTP()
        if let a = m["address"] { (http.host, http.port) = try r.hostPort(a, "http.address") }
        if let n = m["max_body_size"] { http.maximumBodySize = try r.int(n, "http.max_body_size", min: 1024, max: 1 << 30) }
        if let n = m["tokens"] {
            for (i, item) in try r.sequence(n, "http.tokens").enumerated() {
                let path = "http.tokens[\(i)]"
                let t = try r.mapping(item, path)
                try r.allowOnly(t, ["name", "token", "token_file", "token_env"], in: path)
                guard let nameNode = t["name"] else { throw r.error(item, path, "a token needs a 'name' (its source)") }
                let name = try r.string(nameNode, path + ".name")
                let secret = try tokenSecret(t, path: path, item: item, r)
                guard secret.utf8.count >= 16 else {
                    throw r.error(item, path, "the token of '\(name)' is shorter than 16 characters; use e.g. `openssl rand -hex 24`")
                }
                if http.tokens.contains(where: { $0.name == name }) {
                    throw r.error(nameNode, path + ".name", "the token name '\(name)' is used twice")
                }
                http.tokens.append(.init(name: name, secret: secret))
            }
        }
        return http
    }

    /// Exactly one of `token`, `token_file` (first line of the file) or `token_env`.
    private static func tokenSecret(
        _ t: [String: Node], path: String, item: Node, _ r: NodeReader
    ) throws(ConfigurationFileError) -> String {
        let given = ["token", "token_file", "token_env"].filter { t[$0] != nil }
        guard given.count == 1 else {
            throw r.error(item, path, "give exactly one of 'token', 'token_file' or 'token_env'")
        }
        if let n = t["token"] { return try r.string(n, path + ".token") }
        if let n = t["token_file"] {
            let file = try r.string(n, path + ".token_file")
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw r.error(n, path + ".token_file", "cannot read '\(file)'")
            }
            return String(text.split(whereSeparator: \.isNewline).first ?? "").trimmingCharacters(in: .whitespaces)
        }
        guard let n = t["token_env"] else { throw r.error(item, path, "give 'token', 'token_file' or 'token_env'") }
        let variable = try r.string(n, path + ".token_env")
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw r.error(n, path + ".token_env", "the environment variable \(variable) is not set")
        }
        return value
    }

    static func store(_ node: Node, _ r: NodeReader) throws(ConfigurationFileError) -> VigilConfiguration.Store {
        let m = try r.mapping(node, "store")
        try r.allowOnly(m, ["partition_events", "partition_age", "batch_size", "flush_interval", "queue_capacity"], in: "store")
        var store = VigilConfiguration.Store()
        if let n = m["partition_events"] { store.partitionEvents = Int64(try r.int(n, "store.partition_events", min: 1000, max: 1 << 40)) }
        if let n = m["partition_age"] { store.partitionSeconds = Int64(try r.duration(n, "store.partition_age", min: 1)) }
        if let n = m["batch_size"] { store.batchSize = try r.int(n, "store.batch_size", min: 1, max: 1_000_000) }
        if let n = m["flush_interval"] { store.flushInterval = try r.duration(n, "store.flush_interval", min: 0.001) }
        if let n = m["queue_capacity"] { store.queueCapacity = try r.int(n, "store.queue_capacity", min: 100, max: 10_000_000) }
        return store
    }

    static func routes(_ node: Node, _ r: NodeReader) throws(ConfigurationFileError) -> [VigilConfiguration.Route] {
        var result: [VigilConfiguration.Route] = []
        for (i, item) in try r.sequence(node, "routes").enumerated() {
            let path = "routes[\(i)]"
            let m = try r.mapping(item, path)
            try r.allowOnly(
                m, ["listener", "app", "host", "filter", "parser", "require_parser", "kind", "source", "time_zone", "keep_raw"],
                in: path)
            var route = VigilConfiguration.Route()
            if let n = m["listener"] { route.listener = try r.string(n, path + ".listener") }
            if let n = m["parser"] { route.parser = try r.string(n, path + ".parser") }
            if let n = m["require_parser"] { route.requireParser = try r.bool(n, path + ".require_parser") }
            if let n = m["kind"] {
                route.kind = try r.oneOf(n, path + ".kind", ["web", "api", "cron", "cli", "auth", "app", "system"])
            }
            if let n = m["source"] { route.source = try r.string(n, path + ".source") }
            if let n = m["time_zone"] {
                let zone = try r.string(n, path + ".time_zone")
                guard TimeZone(identifier: zone) != nil else {
                    throw r.error(n, path + ".time_zone", "unknown time zone '\(zone)' (use an IANA name such as Europe/Berlin)")
                }
                route.timeZone = zone
            }
            if let n = m["keep_raw"] { route.keepRaw = try r.bool(n, path + ".keep_raw") }
            if let n = m["app"] { route.app = try r.string(n, path + ".app") }
            if let n = m["host"] { route.host = try r.string(n, path + ".host") }
            if let n = m["filter"] {
                let text = try r.string(n, path + ".filter")
                do {
                    _ = try Filter.parse(text)
                } catch {
                    throw r.error(n, path + ".filter", "\(error)")
                }
                route.filter = text
            }
            result.append(route)
        }
        return result
    }

    /// Cross-field checks: routes name existing listeners and parsers.
    static func validate(_ config: VigilConfiguration, top: [String: Node], reader r: NodeReader) throws(ConfigurationFileError) {
        let names = Set(config.listeners.map(\.name)).union(["http"]).union(config.http?.tokens.map(\.name) ?? [])
        let parsers = Set(ParserRegistry.builtIn.map { $0.name })
        let routeNodes = top["routes"].flatMap { $0.sequence.map(Array.init) } ?? []
        for (i, route) in config.routes.enumerated() {
            let node = i < routeNodes.count ? routeNodes[i] : nil
            if let listener = route.listener, !names.contains(listener) {
                throw r.error(node, "routes[\(i)].listener", "no listener is named '\(listener)' (listeners: \(names.sorted().joined(separator: ", ")))")
            }
            if !parsers.contains(route.parser) {
                throw r.error(node, "routes[\(i)].parser", "unknown parser '\(route.parser)' (known: \(parsers.sorted().joined(separator: ", ")))")
            }
        }
        for name in config.parsers.keys where !parsers.contains(name) {
            throw r.error(top["parsers"], "parsers.\(name)", "unknown parser '\(name)' (known: \(parsers.sorted().joined(separator: ", ")))")
        }
    }
}
