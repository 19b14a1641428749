import VigilCore

/// An alert message with placeholders, parsed once: `"{count} failed logins for {actor} from {ip}"`.
///
/// A placeholder is any event field (`{actor}`, `{ip}`, `{entity_type}`, `{attrs.records}`, taken from the
/// event that completed the condition) or one of the alert's own values: `{rule}`, `{count}`, `{group}`,
/// `{time}` (the alert's time, RFC 3339), `{severity}`, `{window}`, `{values}` (the distinct values a
/// `distinct` rule counted, comma separated), `{suppressed}`. A field the event lacks renders as `-`.
/// `{{` and `}}` are literal braces.
public struct MessageTemplate: Sendable, CustomStringConvertible {
    enum Piece: Sendable {
        case literal(String)
        case field(EventField)
        case alert(AlertValue)
    }

    enum AlertValue: String, Sendable, CaseIterable {
        case rule, count, group, time, severity, window, values, suppressed
    }

    let pieces: [Piece]
    public let description: String

    /// - Throws: a reason naming the unknown placeholder or the unclosed brace.
    public init(_ text: String) throws(AlertError) {
        description = text
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            let next = text.index(after: index)
            if c == "{" && next < text.endIndex && text[next] == "{" {
                literal.append("{")
                index = text.index(after: next)
            } else if c == "}" && next < text.endIndex && text[next] == "}" {
                literal.append("}")
                index = text.index(after: next)
            } else if c == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    throw .invalidRule(rule: "", field: "message", reason: "a '{' is not closed by '}'")
                }
                let name = String(text[next..<close]).trimmingSpaces
                if !literal.isEmpty {
                    pieces.append(.literal(literal))
                    literal = ""
                }
                if let value = AlertValue(rawValue: name) {
                    pieces.append(.alert(value))
                } else if let field = EventField(name) {
                    pieces.append(.field(field))
                } else {
                    throw .invalidRule(
                        rule: "", field: "message",
                        reason: "unknown placeholder {\(name)}; use an event field (actor, ip, attrs.NAME …) or one of "
                            + AlertValue.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", "))
                }
                index = text.index(after: close)
            } else {
                literal.append(c)
                index = next
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The message for one alert.
    func render(event: AuditEvent?, values: (AlertValue) -> String) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .field(let field): out += event.flatMap { field.value(in: $0) } ?? "-"
            case .alert(let value): out += values(value)
            }
        }
        return out
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
