import Foundation
import VigilCore

/// The activity log's filter bar: each field becomes one term of the filter language, combined
/// with `and`, plus the raw filter box. The same parameters work in the UI, the API and exports.
struct ActivityFilter: Sendable, Equatable {
    static let fields = ["actor", "action", "category", "entity_type", "entity_id", "outcome", "kind", "source", "ip"]

    var values: [String: String] = [:]
    var from: String?
    var to: String?
    var text: String?
    var raw: String?

    init(parameters: [String: String]) {
        for field in Self.fields {
            if let v = parameters[field]?.trimmingCharacters(in: .whitespaces), !v.isEmpty { values[field] = v }
        }
        from = parameters["from"].flatMap { $0.isEmpty ? nil : $0 }
        to = parameters["to"].flatMap { $0.isEmpty ? nil : $0 }
        text = parameters["text"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        raw = parameters["q"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    /// The filter-language text of all fields (empty: everything).
    var filterText: String {
        var terms: [String] = []
        for field in Self.fields {
            guard let value = values[field] else { continue }
            if field == "actor", value.lowercased() == "system" {
                terms.append("(actor:system or actor_type:system)")
            } else {
                terms.append("\(field):\(HTML.filterValue(value))")
            }
        }
        if let from { terms.append("since:\(HTML.filterValue(Self.rfc3339(from)))") }
        if let to { terms.append("until:\(HTML.filterValue(Self.rfc3339(to)))") }
        if let text { terms.append(HTML.quoted(text)) }
        if let raw { terms.append(terms.isEmpty ? raw : "(\(raw))") }
        return terms.joined(separator: " ")
    }

    /// The query string that reproduces this filter (for links, paging and exports).
    var queryPairs: [(String, String?)] {
        Self.fields.map { ($0, values[$0]) } + [("from", from), ("to", to), ("text", text), ("q", raw)]
    }

    /// `datetime-local` values (`2026-12-01T09:30`) are read as UTC; RFC 3339 passes through.
    static func rfc3339(_ value: String) -> String {
        if value.count == 16, value.dropFirst(10).first == "T" { return value + ":00Z" }
        if value.count == 10 { return value + "T00:00:00Z" }
        return value
    }
}

extension Dictionary where Key == String, Value == String {
    /// Query parameters of a request as a plain dictionary (last value wins).
    init(query: some Sequence<(key: Substring, value: Substring)>) {
        self.init()
        for (key, value) in query { self[String(key)] = String(value) }
    }
}
