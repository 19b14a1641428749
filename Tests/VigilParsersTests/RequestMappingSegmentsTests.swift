import Foundation
import Testing
@testable import VigilParsers

/// `segments(of:)` reads URLs on UTF-8 bytes; it must split them as the character-based version
/// it replaced did.
@Suite struct RequestMappingSegmentsTests {
    /// The earlier implementation, by characters and Foundation search.
    static func reference(_ url: String) -> [Substring] {
        var path = Substring(url)
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        if let scheme = path.range(of: "://") {
            let rest = path[scheme.upperBound...]
            path = rest.firstIndex(of: "/").map { rest[$0...] } ?? ""
        }
        return path.split(separator: "/", omittingEmptySubsequences: true)
    }

    @Test func splitsLikeTheCharacterBasedVersion() {
        let fixed = [
            "", "/", "//", "/a", "a", "/admin/customer/edit/id/5/", "https://h", "https://h/", "https://h?x=1",
            "https://h#f", "https://h/x/y?z=/w", "/p?q#r", "/p#r?q", "http://a/b://c/d", "/x/http://h/y", "::/",
            ":", "://", ":///a", "/é/ü/🔒?ß", "mailto:x", "/a//b///c", "?/a", "#/a", "/a:b/c", "https://h:8080/a",
        ]
        let pieces = ["/", "a", "é", "?", "#", ":", "//", "://", "x", "🔒", "Z", "%2F"]
        var random: [String] = []
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5000 {
            var url = ""
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for k in 0..<Int(x >> 60) { url += pieces[Int((x >> UInt64(4 * (k % 14))) & 0xF) % pieces.count] }
            random.append(url)
        }
        let mapping = RequestMapping()
        for url in fixed + random {
            #expect(mapping.segments(of: url) == Self.reference(url), "\(url)")
        }
    }
}
