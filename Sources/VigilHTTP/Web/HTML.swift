import Foundation
import VigilCore

/// A small HTML writer: text is always escaped, markup is added with `raw`.
struct HTML {
    private(set) var text = ""

    init() { text.reserveCapacity(16 * 1024) }

    mutating func raw(_ markup: String) { text += markup }

    mutating func escaped(_ value: String?) { text += Self.escape(value ?? "") }

    /// `<tag attrs>escaped value</tag>`.
    mutating func element(_ tag: String, _ value: String?, attributes: String = "") {
        text += "<\(tag)\(attributes.isEmpty ? "" : " " + attributes)>"
        escaped(value)
        text += "</\(tag)>"
    }

    /// `<a href="…">escaped label</a>`; the href is escaped too.
    mutating func link(_ href: String, _ label: String?, attributes: String = "") {
        text += "<a href=\"\(Self.escape(href))\"\(attributes.isEmpty ? "" : " " + attributes)>"
        escaped(label)
        text += "</a>"
    }

    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Percent-encodes a query value or path segment.
    static func urlEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `a=1&b=2` from pairs, skipping empty values.
    static func query(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { key, value in
            guard let value, !value.isEmpty else { return nil }
            return "\(key)=\(urlEncode(value))"
        }.joined(separator: "&")
    }

    /// A filter-language value: bare when it is a plain word, else quoted with escapes (`*` stays a wildcard).
    static func filterValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "._-@/*".unicodeScalars.contains($0)
        } && !["and", "or", "not"].contains(value.lowercased())
        return plain ? value : quoted(value)
    }

    /// A quoted filter-language value (a phrase when used alone).
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func time(_ t: Timestamp) -> String { t.description }

    /// `<time>` that the page script shows in the reader's local zone as well.
    static func timeCell(_ t: Timestamp) -> String {
        let utc = escape(t.description)
        return "<time datetime=\"\(utc)\">\(escape(String(t.description.prefix(19)).replacingOccurrences(of: "T", with: " ")))</time>"
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func jsonText(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if case .string(let s) = value { return s }
        var w = JSONWriter()
        w.write(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
