import Foundation
import VigilAlerts
import VigilCore
import Yams

/// Reads alert rules from YAML (`Config/rules.d/*.yaml`): every key is checked, every filter parsed, and
/// the first mistake is reported with its file, line and field, like the main configuration.
///
/// ```yaml
/// rules:
///   - name: failed_logins_per_ip
///     severity: medium
///     filter: 'action:login_failed'
///     group_by: [ip]
///     threshold: {count: 5, window: 10m}     # Sigma event_count
///     suppress: 10m
///     message: "{count} failed logins from {ip} in {window}"
///     notify: [ops-mail]
/// ```
public enum RuleLoader {
    static let keys = [
        "name", "description", "severity", "filter", "group_by", "threshold", "event_count", "distinct",
        "value_count", "absence", "sequence", "temporal_ordered", "schedule", "suppress", "message", "notify", "enabled",
    ]

    /// Loads every rule from files and directories (`*.yaml` and `*.yml`, in name order).
    /// - Throws: the first mistake, located; also a rule name used twice.
    public static func load(paths: [String]) throws(ConfigurationFileError) -> [AlertRule] {
        try loadLocated(paths: paths).map(\.rule)
    }

    /// `load(paths:)` with the file and index of each rule, for errors found later.
    static func loadLocated(paths: [String]) throws(ConfigurationFileError) -> [(rule: AlertRule, file: String, path: String)] {
        var rules: [(rule: AlertRule, file: String, path: String)] = []
        var seen: [String: String] = [:]
        for file in try files(paths) {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationFileError(file: file, line: nil, field: "", reason: "cannot read the file: \(error.localizedDescription)")
            }
            let isList = (try? Yams.compose(yaml: text))??.sequence != nil
            for (i, rule) in try parse(text, file: file).enumerated() {
                if let other = seen[rule.name] {
                    let location = ConfigurationLoader.locate("rules[\(i)].name", inFile: file)
                    throw ConfigurationFileError(
                        file: file, line: location?.line, column: location?.column, field: "rules[\(i)].name",
                        reason: "the rule name '\(rule.name)' is also used in \(other)")
                }
                seen[rule.name] = file
                rules.append((rule, file, isList ? "[\(i)]" : "rules[\(i)]"))
            }
        }
        return rules
    }

    /// The rule files a list of files and directories names.
    public static func files(_ paths: [String]) throws(ConfigurationFileError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConfigurationFileError(file: path, line: nil, field: "", reason: "no such rule file or directory")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Parses one rule file: a mapping with a `rules:` list (or a bare list of rules).
    public static func parse(_ text: String, file: String) throws(ConfigurationFileError) -> [AlertRule] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationFileError(file: file, line: nil, field: "", reason: "not valid YAML: \(error)")
        }
        guard let root else { return [] }
        let r = NodeReader(file: file)
        let items: [Node]
        let prefix: String
        if root.sequence != nil {
            items = try r.sequence(root, "")
            prefix = ""
        } else {
            let top = try r.mapping(root, "")
            try r.allowOnly(top, ["rules"], in: "")
            guard let list = top["rules"] else { return [] }
            items = try r.sequence(list, "rules")
            prefix = "rules"
        }
        return try items.enumerated().map { i, item throws(ConfigurationFileError) in
            try rule(item, path: "\(prefix)[\(i)]", r)
        }
    }

    static func rule(_ node: Node, path: String, _ r: NodeReader) throws(ConfigurationFileError) -> AlertRule {
        let m = try r.mapping(node, path)
        try r.allowOnly(m, keys, in: path)
        guard let nameNode = m["name"] else { throw r.error(node, path, "a rule needs a 'name'") }
        let name = try r.string(nameNode, path + ".name")
        func filter(_ n: Node, _ field: String) throws(ConfigurationFileError) -> Filter {
            let text = try r.string(n, field)
            do {
                return try Filter.parse(text)
            } catch {
                throw r.error(n, field, "\(error)")
            }
        }
        func micros(_ n: Node, _ field: String) throws(ConfigurationFileError) -> Int64 {
            Int64((try r.duration(n, field, min: 0.001) * 1_000_000).rounded())
        }
        func strings(_ n: Node, _ field: String) throws(ConfigurationFileError) -> [String] {
            if n.scalar != nil { return [try r.string(n, field)] }
            return try r.sequence(n, field).enumerated().map { j, x throws(ConfigurationFileError) in
                try r.string(x, "\(field)[\(j)]")
            }
        }
        let given = ["threshold", "event_count", "distinct", "value_count", "absence", "sequence", "temporal_ordered"]
            .filter { m[$0] != nil }
        guard given.count <= 1 else {
            throw r.error(m[given[1]], path + "." + given[1], "a rule has one condition; it also has '\(given[0])'")
        }
        var condition = AlertRule.Condition.match
        if let key = given.first, let n = m[key] {
            let field = path + "." + key
            switch key {
            case "threshold", "event_count":
                let c = try r.mapping(n, field)
                try r.allowOnly(c, ["count", "window"], in: field)
                guard let count = c["count"], let window = c["window"] else {
                    throw r.error(n, field, "give 'count' and 'window' (e.g. {count: 5, window: 10m})")
                }
                condition = .threshold(
                    count: try r.int(count, field + ".count", min: 1, max: 10_000_000),
                    window: try micros(window, field + ".window"))
            case "distinct", "value_count":
                let c = try r.mapping(n, field)
                try r.allowOnly(c, ["field", "count", "window"], in: field)
                guard let fieldNode = c["field"], let count = c["count"], let window = c["window"] else {
                    throw r.error(n, field, "give 'field', 'count' and 'window' (e.g. {field: ip, count: 3, window: 1h})")
                }
                let fieldName = try r.string(fieldNode, field + ".field")
                guard let eventField = EventField(fieldName) else {
                    throw r.error(fieldNode, field + ".field", "no event has a field '\(fieldName)'")
                }
                condition = .distinct(
                    field: eventField, count: try r.int(count, field + ".count", min: 1, max: 10_000_000),
                    window: try micros(window, field + ".window"))
            case "absence":
                if n.scalar != nil {
                    condition = .absence(interval: try micros(n, field))
                } else {
                    let c = try r.mapping(n, field)
                    try r.allowOnly(c, ["interval"], in: field)
                    guard let interval = c["interval"] else { throw r.error(n, field, "give 'interval' (e.g. 25h)") }
                    condition = .absence(interval: try micros(interval, field + ".interval"))
                }
            default:
                let c = try r.mapping(n, field)
                try r.allowOnly(c, ["window", "steps"], in: field)
                guard let window = c["window"], let stepsNode = c["steps"] else {
                    throw r.error(n, field, "give 'window' and 'steps' (a list of filters)")
                }
                var steps: [AlertRule.Step] = []
                for (j, item) in try r.sequence(stepsNode, field + ".steps").enumerated() {
                    let stepPath = "\(field).steps[\(j)]"
                    if item.scalar != nil {
                        steps.append(AlertRule.Step(filter: try filter(item, stepPath)))
                        continue
                    }
                    let s = try r.mapping(item, stepPath)
                    try r.allowOnly(s, ["filter", "count"], in: stepPath)
                    guard let f = s["filter"] else { throw r.error(item, stepPath, "a step needs a 'filter'") }
                    let count = try s["count"].map { x throws(ConfigurationFileError) in
                        try r.int(x, stepPath + ".count", min: 1, max: 100_000)
                    }
                    steps.append(AlertRule.Step(filter: try filter(f, stepPath + ".filter"), count: count ?? 1))
                }
                condition = .sequence(steps: steps, window: try micros(window, field + ".window"))
            }
        }
        var schedule: RuleSchedule?
        if let n = m["schedule"] { schedule = try self.schedule(n, path + ".schedule", r) }
        let severity = try m["severity"].map { x throws(ConfigurationFileError) in
            try r.oneOf(x, path + ".severity", Severity.all)
        }
        do {
            return try AlertRule(
                name: name,
                description: try m["description"].map { x throws(ConfigurationFileError) in try r.string(x, path + ".description") },
                severity: severity ?? "medium",
                filter: try m["filter"].map { x throws(ConfigurationFileError) in try filter(x, path + ".filter") } ?? .all,
                groupBy: try m["group_by"].map { x throws(ConfigurationFileError) in try strings(x, path + ".group_by") } ?? [],
                condition: condition, schedule: schedule,
                suppress: try m["suppress"].map { x throws(ConfigurationFileError) in
                    Int64((try r.duration(x, path + ".suppress", min: 0) * 1_000_000).rounded())
                },
                message: try m["message"].map { x throws(ConfigurationFileError) in try r.string(x, path + ".message") },
                notify: try m["notify"].map { x throws(ConfigurationFileError) in try strings(x, path + ".notify") } ?? [],
                isEnabled: try m["enabled"].map { x throws(ConfigurationFileError) in try r.bool(x, path + ".enabled") } ?? true)
        } catch let error as ConfigurationFileError {
            throw error
        } catch let error as AlertError {
            let field = path + "." + error.field
            let top = String(error.field.split(separator: ".").first ?? "")
            let node = m[String(top.split(separator: "[").first ?? "")] ?? node
            throw r.error(node, field, error.reason)
        } catch {
            throw r.error(node, path, "\(error)")
        }
    }

    static func schedule(_ node: Node, _ path: String, _ r: NodeReader) throws(ConfigurationFileError) -> RuleSchedule {
        let m = try r.mapping(node, path)
        try r.allowOnly(m, ["time_zone", "windows", "days", "from", "to"], in: path)
        func window(_ w: [String: Node], _ field: String, _ at: Node) throws(ConfigurationFileError) -> RuleSchedule.Window {
            var window = RuleSchedule.Window()
            if let d = w["days"] {
                let names: [String] = d.scalar != nil ? [try r.string(d, field + ".days")]
                    : try r.sequence(d, field + ".days").enumerated().map { j, x throws(ConfigurationFileError) in
                        try r.string(x, "\(field).days[\(j)]")
                    }
                do {
                    window.days = try RuleSchedule.days(names)
                } catch {
                    throw r.error(d, field + ".days", error.reason)
                }
            }
            for (key, keyPath) in [("from", \RuleSchedule.Window.from), ("to", \RuleSchedule.Window.to)] {
                guard let n = w[key] else { continue }
                let text = try r.string(n, field + "." + key)
                guard let seconds = RuleSchedule.timeOfDay(text) else {
                    throw r.error(n, field + "." + key, "expected a time of day HH:MM, got '\(text)'")
                }
                window[keyPath: keyPath] = seconds
            }
            if (w["from"] == nil) != (w["to"] == nil) {
                throw r.error(at, field, "give both 'from' and 'to', or neither (the whole day)")
            }
            return window
        }
        var windows: [RuleSchedule.Window] = []
        if let list = m["windows"] {
            if m["days"] != nil || m["from"] != nil || m["to"] != nil {
                throw r.error(node, path, "give either 'windows' or one window's 'days'/'from'/'to'")
            }
            for (i, item) in try r.sequence(list, path + ".windows").enumerated() {
                let field = "\(path).windows[\(i)]"
                let w = try r.mapping(item, field)
                try r.allowOnly(w, ["days", "from", "to"], in: field)
                windows.append(try window(w, field, item))
            }
        } else {
            windows.append(try window(m, path, node))
        }
        let zone = try m["time_zone"].map { x throws(ConfigurationFileError) in try r.string(x, path + ".time_zone") } ?? "UTC"
        do {
            return try RuleSchedule(zoneName: zone, windows: windows)
        } catch {
            throw r.error(m["time_zone"] ?? node, path + "." + (error.field.split(separator: ".").last.map(String.init) ?? ""), error.reason)
        }
    }
}
