import Foundation
import VigilAlerts
import VigilCore
import Yams

extension ConfigurationLoader {
    /// `alerts:` — rule files (relative to the configuration file), notifiers and state settings.
    ///
    /// ```yaml
    /// alerts:
    ///   rules: [rules.d]
    ///   notifiers:
    ///     - {name: ops-mail, type: email, smtp: 127.0.0.1:25, from: vigil@example.com, to: [ops@example.com]}
    /// ```
    static func alerts(_ node: Node, _ r: NodeReader, file: String) throws(ConfigurationFileError) -> VigilConfiguration.Alerts {
        let m = try r.mapping(node, "alerts")
        try r.allowOnly(m, ["rules", "notifiers", "state_interval", "max_groups", "drain_timeout"], in: "alerts")
        var alerts = VigilConfiguration.Alerts()
        if let n = m["state_interval"] { alerts.stateInterval = try r.duration(n, "alerts.state_interval", min: 0.01) }
        if let n = m["drain_timeout"] { alerts.drainTimeout = try r.duration(n, "alerts.drain_timeout", min: 0) }
        if let n = m["max_groups"] { alerts.maximumGroups = try r.int(n, "alerts.max_groups", min: 10, max: 100_000_000) }
        if let n = m["notifiers"] {
            for (i, item) in try r.sequence(n, "alerts.notifiers").enumerated() {
                let path = "alerts.notifiers[\(i)]"
                let notifier = try self.notifier(item, path: path, r)
                if alerts.notifiers.contains(where: { $0.name == notifier.name }) {
                    throw r.error(item, path + ".name", "the notifier name '\(notifier.name)' is used twice")
                }
                alerts.notifiers.append(notifier)
            }
        }
        if let n = m["rules"] {
            let base = (file as NSString).deletingLastPathComponent
            let paths: [String] = n.scalar != nil ? [try r.string(n, "alerts.rules")]
                : try r.sequence(n, "alerts.rules").enumerated().map { i, x throws(ConfigurationFileError) in
                    try r.string(x, "alerts.rules[\(i)]")
                }
            alerts.ruleSources = paths.map { $0.hasPrefix("/") || base.isEmpty ? $0 : base + "/" + $0 }
            for source in alerts.ruleSources where !FileManager.default.fileExists(atPath: source) {
                throw r.error(n, "alerts.rules", "no such rule file or directory: \(source)")
            }
            let located = try RuleLoader.loadLocated(paths: alerts.ruleSources)
            let names = Set(alerts.notifiers.map(\.name))
            for entry in located {
                for (j, name) in entry.rule.notify.enumerated() where !names.contains(name) {
                    let field = "\(entry.path).notify[\(j)]"
                    let location = locate(field, inFile: entry.file)
                    throw ConfigurationFileError(
                        file: entry.file, line: location?.line, column: location?.column, field: field,
                        reason: "no notifier is named '\(name)' (alerts.notifiers: \(names.sorted().joined(separator: ", ")))")
                }
            }
            alerts.rules = located.map(\.rule)
        }
        return alerts
    }

    static func notifier(_ node: Node, path: String, _ r: NodeReader) throws(ConfigurationFileError) -> VigilConfiguration.Alerts.Notifier {
        let m = try r.mapping(node, path)
        guard let nameNode = m["name"], let typeNode = m["type"] else {
            throw r.error(node, path, "a notifier needs a 'name' and a 'type' (\(NotifierRegistry.kinds.joined(separator: ", ")))")
        }
        let name = try r.string(nameNode, path + ".name")
        let kind = try r.oneOf(typeNode, path + ".type", NotifierRegistry.kinds)
        var policy = AlertDispatcher.Policy()
        if let n = m["retries"] { policy.retries = try r.int(n, path + ".retries", min: 0, max: 100) }
        if let n = m["backoff"] { policy.backoff = try r.duration(n, path + ".backoff", min: 0) }
        if let n = m["max_backoff"] { policy.maximumBackoff = try r.duration(n, path + ".max_backoff", min: 0) }
        if let n = m["queue"] { policy.queueCapacity = try r.int(n, path + ".queue", min: 1, max: 1_000_000) }
        var options: [String: JSONValue] = [:]
        for (key, value) in m where !["name", "type", "retries", "backoff", "max_backoff", "queue"].contains(key) {
            options[key] = try r.json(value, path + "." + key)
        }
        let notifier = VigilConfiguration.Alerts.Notifier(name: name, kind: kind, options: options, policy: policy)
        do {
            _ = try notifier.make()
        } catch {
            let key = error.field
            let at = m[String(key.split(separator: ".").first ?? "")] ?? node
            var reason = error.reason
            if reason.hasPrefix("unknown key") {
                reason += ", name, type, retries, backoff, max_backoff, queue"
            }
            throw r.error(at, key.isEmpty ? path : path + "." + key, reason)
        }
        return notifier
    }
}
