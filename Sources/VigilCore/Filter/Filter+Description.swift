/// Filter text back from the AST (for logs and "copy as filter"): `Filter.parse(f.description) == f`.
extension Filter: CustomStringConvertible {
    public var description: String {
        if case .all = self { return "" }
        return text(inside: .top)
    }

    private enum Context {
        case top
        case and
        case not
    }

    private func text(inside context: Context) -> String {
        switch self {
        case .all:
            return "*"
        case .and(let members):
            guard !members.isEmpty else { return "*" }
            let body = members.map { $0.text(inside: .and) }.joined(separator: " and ")
            return context == .not && members.count > 1 ? "(\(body))" : body
        case .or(let members):
            guard !members.isEmpty else { return "not *" }
            let body = members.map { $0.text(inside: .top) }.joined(separator: " or ")
            return context == .top || members.count == 1 ? body : "(\(body))"
        case .not(let member):
            return "not " + member.text(inside: .not)
        case .exists(let field):
            return "\(field.name):*"
        case .match(let field, let pattern):
            return "\(field.name):\(pattern.filterText(bareAllowed: true))"
        case .compare(let field, .equal, let operand):
            return "\(field.name):\(operand)"
        case .compare(let field, let op, let operand):
            return "\(field.name) \(op.rawValue) \(operand)"
        case .network(let network):
            return "ip:\(network)"
        case .text(let pattern):
            return pattern.filterText(bareAllowed: true)
        case .since(let instant):
            return "since:\(instant)"
        case .until(let instant):
            return "until:\(instant)"
        }
    }
}
