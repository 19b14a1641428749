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
        try reader.allowOnly(top, ["data_dir", "listeners", "http", "store", "routes", "parsers", "log_level"], in: "")
        if let node = top["data_dir"] { config.dataDirectory = try reader.string(node, "data_dir") }
        if let node = top["log_level"] {
            config.logLevel = try reader.oneOf(node, "log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        }
        if let node = top["listeners"] { config.listeners = try listeners(node, reader) }
        if let node = top["http"] { config.http = try http(node, reader) }
        if let node = top["store"] { config.store = try store(node, reader) }
        if let node = top["routes"] { config.routes = try routes(node, reader) }
        if let node = top["parsers"] {
            for (name, options) in try reader.mapping(node, "parsers") {
                let value = try reader.json(options, "parsers.\(name)")
                guard case .object(let object) = value else {
                    throw reader.error(options, "parsers.\(name)", "expected a mapping of options")
                }
                config.parsers[name] = object
            }
        }
        try validate(config, top: top, reader: reader)
        return config
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
        try r.allowOnly(m, ["address", "max_body_size"], in: "http")
        var http = VigilConfiguration.HTTP()
        if let a = m["address"] { (http.host, http.port) = try r.hostPort(a, "http.address") }
        if let n = m["max_body_size"] { http.maximumBodySize = try r.int(n, "http.max_body_size", min: 1024, max: 1 << 30) }
        return http
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
            try r.allowOnly(m, ["listener", "parser", "require_parser", "kind", "source", "time_zone", "keep_raw"], in: path)
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
            result.append(route)
        }
        return result
    }

    /// Cross-field checks: routes name existing listeners and parsers.
    static func validate(_ config: VigilConfiguration, top: [String: Node], reader r: NodeReader) throws(ConfigurationFileError) {
        let names = Set(config.listeners.map(\.name)).union(["http"])
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
