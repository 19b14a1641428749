import Foundation
import VigilCore

/// Reading ``RequestMapping`` from parser options (or a template file such as
/// `Config/templates/magento2-admin.yaml`, whose top level has the same keys).
extension RequestMapping {
    /// The option keys ``parse(options:)`` reads; parsers accept them beside their own.
    public static let optionKeys: Set<String> = ["templates", "rewrite_prefixes", "strip_parameters"]

    private static let templateKeys: Set<String> = [
        "method", "path", "referrer", "action", "entity_type", "entity_id", "entity_name", "category", "severity",
        "outcome_from_status",
    ]

    /// Compiles `templates`, `rewrite_prefixes` and `strip_parameters` once; other keys are ignored.
    /// - Throws: ``ConfigurationError`` whose path names the template and field (`templates[3].path`).
    public static func parse(options: [String: JSONValue]) throws(ConfigurationError) -> RequestMapping {
        var mapping = RequestMapping()
        if let value = options["templates"], value != .null {
            guard let list = value.arrayValue else {
                throw ConfigurationError(path: "templates", reason: "expected a list of templates")
            }
            for (index, element) in list.enumerated() {
                mapping.templates.append(try template(element, path: "templates[\(index)]"))
            }
        }
        if let value = options["rewrite_prefixes"], value != .null {
            guard let object = value.objectValue else {
                throw ConfigurationError(path: "rewrite_prefixes", reason: "expected an object of \"/from\": \"/to\" prefixes")
            }
            // Longest prefix first, so `/index.php/admin` wins over `/index.php`.
            for from in object.keys.sorted(by: { ($0.count, $0) > ($1.count, $1) }) {
                guard let to = object[from]?.stringValue, from.hasPrefix("/"), to.isEmpty || to.hasPrefix("/") else {
                    throw ConfigurationError(
                        path: "rewrite_prefixes.\(from)", reason: "expected a path prefix mapped to a path prefix (or \"\")")
                }
                let fromSegments = from.lowercased().split(separator: "/").map(String.init)
                guard !fromSegments.isEmpty else {
                    throw ConfigurationError(path: "rewrite_prefixes.\(from)", reason: "the prefix has no segment")
                }
                mapping.rewrites.append(
                    PrefixRewrite(from: fromSegments, to: to.split(separator: "/").map { Substring(String($0)) }))
            }
        }
        if let value = options["strip_parameters"], value != .null {
            let names = value.stringValue.map { [JSONValue.string($0)] } ?? value.arrayValue
            guard let names else {
                throw ConfigurationError(path: "strip_parameters", reason: "expected a list of parameter names")
            }
            for (index, name) in names.enumerated() {
                guard let text = name.stringValue, !text.isEmpty, !text.contains("/") else {
                    throw ConfigurationError(path: "strip_parameters[\(index)]", reason: "expected a parameter name")
                }
                mapping.strippedParameters.append(text.lowercased())
            }
        }
        return mapping
    }

    private static func template(_ value: JSONValue, path: String) throws(ConfigurationError) -> Template {
        guard let object = value.objectValue else {
            throw ConfigurationError(path: path, reason: "expected a template object with path and action")
        }
        for key in object.keys.sorted() where !templateKeys.contains(key) {
            throw ConfigurationError(
                path: "\(path).\(key)",
                reason: "unknown template field; expected one of \(templateKeys.sorted().joined(separator: ", "))")
        }
        guard let pathText = object["path"]?.stringValue else {
            throw ConfigurationError(path: "\(path).path", reason: "a template needs a path such as \"/admin/{entity_id}\"")
        }
        let pattern = try self.pattern(pathText, path: "\(path).path")
        var referrer: PathPattern?
        if let text = object["referrer"]?.stringValue {
            referrer = try self.pattern(text, path: "\(path).referrer")
        } else if let value = object["referrer"], value != .null {
            throw ConfigurationError(path: "\(path).referrer", reason: "expected a path pattern")
        }
        guard let action = object["action"]?.stringValue, !action.isEmpty else {
            throw ConfigurationError(path: "\(path).action", reason: "a template needs an action such as update")
        }
        var template = Template(
            methods: try methods(object["method"], path: "\(path).method"), path: pattern, referrer: referrer,
            action: action, constants: [], severity: nil, outcomeFromStatus: true)
        let constantFields: [(String, Capture)] = [
            ("entity_type", .entityType), ("entity_id", .entityID), ("entity_name", .entityName), ("category", .category),
        ]
        for (key, field) in constantFields {
            guard let value = object[key], value != .null else { continue }
            guard let text = value.scalarText, !text.isEmpty else {
                throw ConfigurationError(path: "\(path).\(key)", reason: "expected a text value")
            }
            template.constants.append((field, text))
        }
        if let value = object["severity"], value != .null {
            guard let text = value.stringValue, Severity.all.contains(text) else {
                throw ConfigurationError(
                    path: "\(path).severity", reason: "expected one of \(Severity.all.joined(separator: ", "))")
            }
            template.severity = text
        }
        if let value = object["outcome_from_status"], value != .null {
            guard case .bool(let flag) = value else {
                throw ConfigurationError(path: "\(path).outcome_from_status", reason: "expected true or false")
            }
            template.outcomeFromStatus = flag
        }
        return template
    }

    /// `POST`, `*`, `GET|HEAD` or `[GET, HEAD]` → lower-cased methods, `nil` for any.
    private static func methods(_ value: JSONValue?, path: String) throws(ConfigurationError) -> [String]? {
        guard let value, value != .null else { return nil }
        var names: [String] = []
        switch value {
        case .string(let text):
            names = text.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                guard let text = element.stringValue else {
                    throw ConfigurationError(path: "\(path)[\(index)]", reason: "expected an HTTP method")
                }
                names.append(text)
            }
        default:
            throw ConfigurationError(path: path, reason: "expected an HTTP method, \"*\" or a list of methods")
        }
        if names.contains("*") { return nil }
        for name in names where name.isEmpty || !name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            throw ConfigurationError(path: path, reason: "\"\(name)\" is not an HTTP method")
        }
        guard !names.isEmpty else { throw ConfigurationError(path: path, reason: "expected at least one method") }
        return names.map { $0.lowercased() }
    }

    private static func pattern(_ text: String, path: String) throws(ConfigurationError) -> PathPattern {
        guard text.hasPrefix("/") || text.hasPrefix("*") else {
            throw ConfigurationError(path: path, reason: "a path pattern starts with / (got \"\(text)\")")
        }
        if text.contains("?") {
            throw ConfigurationError(path: path, reason: "patterns match the path only; remove the query string")
        }
        var segments: [Segment] = []
        for part in text.split(separator: "/") {
            switch part {
            case "*": segments.append(.one)
            case "**": segments.append(.many)
            default:
                if part.hasPrefix("{") || part.hasSuffix("}") {
                    guard part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 else {
                        throw ConfigurationError(
                            path: path, reason: "\"\(part)\": a capture is a whole segment such as {entity_id}")
                    }
                    segments.append(.capture(try capture(String(part.dropFirst().dropLast()), path: path)))
                } else if part.contains("{") || part.contains("}") || part.contains("*") {
                    throw ConfigurationError(
                        path: path, reason: "\"\(part)\": wildcards and captures must be whole segments")
                } else {
                    segments.append(.literal(part.lowercased()))
                }
            }
        }
        return PathPattern(segments: segments)
    }

    private static func capture(_ name: String, path: String) throws(ConfigurationError) -> Capture {
        switch name {
        case "entity_id": return .entityID
        case "entity_name": return .entityName
        case "entity_type": return .entityType
        case "category": return .category
        case "actor": return .actor
        case "session": return .session
        default:
            if name.hasPrefix("attrs."), name.count > 6 { return .attr(String(name.dropFirst(6))) }
            throw ConfigurationError(
                path: path,
                reason: "{\(name)} is not a capturable field; use entity_id, entity_name, entity_type, category, "
                    + "actor, session or attrs.NAME")
        }
    }
}
