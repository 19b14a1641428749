/// `*` wildcard matching for route conditions (`app: "magento*"`, `host: "web-*"`).
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        // On the bytes: with Foundation imported, `String.contains(_:)` is a Foundation search (2 % of
        // ingest's CPU time when four routes match on app names).
        guard pattern.utf8.contains(UInt8(ascii: "*")) else { return pattern == text }
        let p = Array(pattern.utf8)
        let t = Array(text.utf8)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count && p[pi] != UInt8(ascii: "*") && p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
