import VigilCore

/// Turns a web or API request (method, URL, status, referrer) into an audit action, entity and outcome.
///
/// Configured URL templates are tried in order and the first match wins:
///
/// ```yaml
/// templates:
///   - {method: POST, path: "/admin/customer/{entity_id}/save", action: update, entity_type: customer}
///   - {method: [GET, HEAD], path: "/api/**/orders/{entity_id}", action: view, entity_type: order}
/// rewrite_prefixes: {"/index.php/admin": "/admin"}   # applied to the path before matching
/// strip_parameters: [key]                            # drops `/key/<value>` segment pairs (Magento's secret key)
/// ```
///
/// A path pattern is made of `/`-separated segments: a literal (compared ignoring ASCII case), `*` (any one
/// segment), `**` (any number of segments, also none) or `{field}` (one segment captured into `entity_id`,
/// `entity_name`, `entity_type`, `category`, `actor`, `session` or `attrs.NAME`). The query string is ignored.
///
/// When no template matches, the defaults apply:
/// - a path whose last segment is a logout word (`logout`, `signout`, `sign-out`, `logoff`, also as
///   `*-logout`, `*_logout`, with an extension such as `.php`) is a `logout`; a login word (`login`, `signin`,
///   `sign-in`, `logon`, `wp-login.php`, ...) requested with a method other than GET/HEAD is a `login`
///   (fetching the login form with GET is a `view`);
/// - otherwise GET/HEAD → `view`, POST → `create`, PUT/PATCH → `update`, DELETE → `delete`, else `request`.
///
/// Outcome from the status: 1xx–3xx `success`, 4xx–5xx `failure`, no status `unknown`. Logins follow their
/// own rule, because a failed form login is often answered `200` with the form again (and some
/// applications redirect back to the form instead): a redirect (3xx) is `success`, a 4xx/5xx is a
/// `failure` with action `login_failed`, and a 2xx is `unknown`. A template may turn outcomes off with
/// `outcome_from_status: false`.
public struct RequestMapping: Sendable {
    struct Template: Sendable {
        /// Upper-case methods; `nil` for any.
        var methods: [String]?
        var path: PathPattern
        /// When set, the referrer's path must match too (and may capture).
        var referrer: PathPattern?
        var action: String
        var constants: [(Capture, String)]
        var severity: String?
        var outcomeFromStatus: Bool
    }

    enum Capture: Sendable, Equatable {
        case entityID, entityName, entityType, category, actor, session
        case attr(String)
    }

    enum Segment: Sendable, Equatable {
        /// Lower-cased text.
        case literal(String)
        case one
        case many
        case capture(Capture)
    }

    struct PathPattern: Sendable {
        var segments: [Segment]

        func matches(_ path: [Substring], captures: inout [(Capture, Substring)]) -> Bool {
            match(0, 0, path, &captures)
        }

        private func match(_ p: Int, _ s: Int, _ path: [Substring], _ captures: inout [(Capture, Substring)]) -> Bool {
            guard p < segments.count else { return s == path.count }
            switch segments[p] {
            case .many:
                for next in s...path.count {
                    let mark = captures.count
                    if match(p + 1, next, path, &captures) { return true }
                    captures.removeLast(captures.count - mark)
                }
                return false
            case .one:
                return s < path.count && match(p + 1, s + 1, path, &captures)
            case .literal(let text):
                return s < path.count && RequestMapping.equalsIgnoringCase(path[s], text)
                    && match(p + 1, s + 1, path, &captures)
            case .capture(let field):
                guard s < path.count else { return false }
                captures.append((field, path[s]))
                if match(p + 1, s + 1, path, &captures) { return true }
                captures.removeLast()
                return false
            }
        }
    }

    struct PrefixRewrite: Sendable {
        /// Lower-cased segments.
        var from: [String]
        var to: [Substring]
    }

    var templates: [Template] = []
    var rewrites: [PrefixRewrite] = []
    /// Lower-cased parameter names whose `/name/value` pairs are removed before matching.
    var strippedParameters: [String] = []

    /// No templates: the defaults only.
    public init() {}

    /// The number of configured templates.
    public var templateCount: Int { templates.count }

    // MARK: - Applying

    /// Sets `action`, `outcome` and, from a template, the entity fields of a request event from its
    /// `method`, `url` and `status`.
    /// - Parameters:
    ///   - event: an event whose `method`, `url` and `status` are filled.
    ///   - referrer: the request's `Referer`, for templates that constrain it.
    public func apply(to event: inout AuditEvent, referrer: String? = nil) {
        let method = event.method ?? ""
        if !templates.isEmpty, let url = event.url {
            let path = segments(of: url)
            var referrerPath: [Substring]?
            for template in templates {
                if let methods = template.methods, !methods.contains(where: { Self.equalsIgnoringCase(Substring(method), $0) }) {
                    continue
                }
                var captures: [(Capture, Substring)] = []
                guard template.path.matches(path, captures: &captures) else { continue }
                if let pattern = template.referrer {
                    guard let referrer else { continue }
                    if referrerPath == nil { referrerPath = segments(of: referrer) }
                    guard pattern.matches(referrerPath ?? [], captures: &captures) else { continue }
                }
                apply(template, captures: captures, to: &event)
                return
            }
        }
        applyDefaults(method: method, to: &event)
    }

    private func apply(_ template: Template, captures: [(Capture, Substring)], to event: inout AuditEvent) {
        event.action = template.action
        for (field, value) in template.constants { Self.set(field, String(value), in: &event) }
        for (field, value) in captures { Self.set(field, String(value), in: &event) }
        if let severity = template.severity { event.severity = severity }
        if template.outcomeFromStatus {
            if template.action == "login" {
                Self.applyLoginOutcome(to: &event)
            } else {
                event.outcome = Self.outcome(status: event.status)
            }
        }
    }

    private static func set(_ field: Capture, _ value: String, in event: inout AuditEvent) {
        switch field {
        case .entityID: event.entityID = value
        case .entityName: event.entityName = value
        case .entityType: event.entityType = value
        case .category: event.category = value
        case .actor: event.actor = value
        case .session: event.session = value
        case .attr(let name): event.attrs[name] = .string(value)
        }
    }

    private func applyDefaults(method: String, to event: inout AuditEvent) {
        let convention = event.url.map(Self.authConvention) ?? nil
        let isRead = method == "GET" || method == "HEAD" || method.isEmpty
        if convention == .logout {
            event.action = "logout"
            event.outcome = Self.outcome(status: event.status)
            return
        }
        if convention == .login && !isRead {
            event.action = "login"
            Self.applyLoginOutcome(to: &event)
            return
        }
        switch method {
        case "GET", "HEAD": event.action = "view"
        case "POST": event.action = "create"
        case "PUT", "PATCH": event.action = "update"
        case "DELETE": event.action = "delete"
        default: event.action = "request"
        }
        event.outcome = Self.outcome(status: event.status)
    }

    /// 1xx–3xx success, 4xx–5xx failure, none unknown.
    static func outcome(status: Int?) -> String {
        guard let status, status > 0 else { return Outcome.unknown }
        return status < 400 ? Outcome.success : Outcome.failure
    }

    /// 3xx success; 4xx/5xx failure as `login_failed`; 2xx (the form again, or an API token) unknown.
    static func applyLoginOutcome(to event: inout AuditEvent) {
        guard let status = event.status, status > 0 else {
            event.outcome = Outcome.unknown
            return
        }
        switch status {
        case 300..<400: event.outcome = Outcome.success
        case 400...:
            event.action = "login_failed"
            event.outcome = Outcome.failure
        default: event.outcome = Outcome.unknown
        }
    }

    // MARK: - Paths

    enum AuthConvention { case login, logout }

    private static let loginWords = ["login", "signin", "sign-in", "sign_in", "log-in", "logon", "log_in"].map { Array($0.utf8) }
    private static let logoutWords = ["logout", "signout", "sign-out", "sign_out", "log-out", "logoff", "log_out", "log-off"]
        .map { Array($0.utf8) }

    /// Whether the URL's last path segment names a login or logout (`/admin/auth/login/`, `/wp-login.php`).
    static func authConvention(_ url: String) -> AuthConvention? {
        var url = url
        return url.withUTF8 { authConvention(bytes: $0) }
    }

    /// `authConvention` over UTF-8: called for every web request, so no string is built. The
    /// segment (at most 24 bytes) is cut at its first `.`; when it is no word itself, the part
    /// after its last `-` or `_` is tried (`wp-login`, `customer_logout`). Letters match
    /// ASCII-case-insensitively.
    static func authConvention(bytes: UnsafeBufferPointer<UInt8>) -> AuthConvention? {
        var end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        var start = end
        while start > 0, bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
        guard end > start, end - start <= 24 else { return nil }
        var wordEnd = start
        while wordEnd < end, bytes[wordEnd] != UInt8(ascii: ".") { wordEnd += 1 }
        let word = UnsafeBufferPointer(rebasing: bytes[start..<wordEnd])
        if let convention = authWord(word) { return convention }
        guard let separator = word.lastIndex(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            return nil
        }
        return authWord(UnsafeBufferPointer(rebasing: word[(separator + 1)...]))
    }

    private static func authWord(_ word: UnsafeBufferPointer<UInt8>) -> AuthConvention? {
        guard (5...8).contains(word.count) else { return nil }
        func equals(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == word.count else { return false }
            for i in 0..<word.count {
                let byte = word[i]
                let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if lower != candidate[i] { return false }
            }
            return true
        }
        if loginWords.contains(where: equals) { return .login }
        if logoutWords.contains(where: equals) { return .logout }
        return nil
    }

    /// The path of `url` (scheme, host, query and fragment removed) as segments, after the prefix
    /// rewrites and parameter stripping.
    func segments(of url: String) -> [Substring] {
        // On UTF-8 bytes: `?`, `#`, `:` and `/` are ASCII, so every index found is a character
        // boundary, and no grapheme breaking or Foundation search runs per event.
        let whole = Substring(url)
        let utf8 = whole.utf8
        var end = utf8.endIndex
        var start = utf8.startIndex
        var sawScheme = false
        var i = utf8.startIndex
        while i < end {
            let byte = utf8[i]
            if byte == 0x3F || byte == 0x23 {  // ? #
                end = i
                break
            }
            if !sawScheme, byte == 0x3A, utf8[utf8.index(after: i)...].starts(with: [0x2F, 0x2F]) {  // ://
                sawScheme = true
                // The path starts at the host's first `/` (none: an empty path).
                var j = utf8.index(i, offsetBy: 3)
                while j < end, utf8[j] != 0x2F, utf8[j] != 0x3F, utf8[j] != 0x23 { j = utf8.index(after: j) }
                start = j
                i = j
                continue
            }
            i = utf8.index(after: i)
        }
        var parts: [Substring] = []
        var segmentStart = start
        i = start
        while i <= end {
            if i == end || utf8[i] == 0x2F {
                if segmentStart < i { parts.append(whole[segmentStart..<i]) }
                if i == end { break }
                segmentStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        for rewrite in rewrites where parts.count >= rewrite.from.count {
            if zip(parts, rewrite.from).allSatisfy({ Self.equalsIgnoringCase($0, $1) }) {
                parts.replaceSubrange(0..<rewrite.from.count, with: rewrite.to)
                break
            }
        }
        if !strippedParameters.isEmpty {
            var i = 0
            while i + 1 < parts.count {
                if strippedParameters.contains(where: { Self.equalsIgnoringCase(parts[i], $0) }) {
                    parts.removeSubrange(i..<(i + 2))
                } else {
                    i += 1
                }
            }
        }
        return parts
    }

    /// ASCII case-insensitive equality against an already lower-cased `lowered`.
    static func equalsIgnoringCase(_ text: Substring, _ lowered: String) -> Bool {
        let a = text.utf8
        let b = lowered.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            let folded = x >= 0x41 && x <= 0x5A ? x | 0x20 : x
            if folded != y { return false }
        }
        return true
    }
}
