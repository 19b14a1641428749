import Testing
@testable import VigilParsers

@Suite struct CompiledRegexTests {
    @Test func namedGroupsAreNumberedInOrder() throws {
        let regex = try CompiledRegex(#"^(?<actor>\S+) did (?<action>\w+)(?: to (?<entity>\w+))?$"#)
        #expect(regex.captureCount == 3)
        #expect(regex.names.map(\.name) == ["actor", "action", "entity"])
        #expect(regex.names.map(\.group) == [1, 2, 3])
        let found = try regex.firstMatch(in: "jöhn did update to customer") { match in
            [match.string(1), match.string(2), match.string(3), match.string(0)]
        }
        #expect(found == ["jöhn", "update", "customer", "jöhn did update to customer"])
        // A group that takes no part is nil, not empty.
        let partial = try regex.firstMatch(in: "john did login") { match in [match.string(3), match.string(2)] }
        #expect(partial == [nil, "login"])
        #expect(try regex.firstMatch(in: "nothing here") { _ in 1 } == nil)
    }

    @Test func rangesAreUTF8Offsets() throws {
        let regex = try CompiledRegex(#"(?<word>\w+)$"#)
        let range = try regex.firstMatch(in: "ä é ñandú") { $0.range(1) }
        #expect(range == 6..<13)
        #expect(try regex.matches("ñandú"))  // \w is Unicode-aware, as in Swift's Regex
        #expect(try !regex.matches(""))
        #expect(try CompiledRegex("^$").matches(""))
    }

    @Test func invalidPatternsNameTheReasonAndOffset() {
        #expect(throws: RegexError.self) { try CompiledRegex("(?<open>abc") }
        do {
            _ = try CompiledRegex("ab[cd")
            Issue.record("compiled")
        } catch {
            #expect(error.offset == 5)
            #expect(error.description.contains("missing terminating ]"), "\(error)")
        }
    }

    @Test func runawayBacktrackingIsAnErrorNotAHang() throws {
        let regex = try CompiledRegex(#"^(\w+\s?)*$"#)
        let text = String(repeating: "aaaa ", count: 2_000) + "!"
        #expect(throws: RegexError.self) { try regex.matches(text) }
    }

    @Test func oneRegexServesManyTasksAtOnce() async throws {
        let regex = try CompiledRegex(#"user=(?<u>\w+)"#)
        let counts = await withTaskGroup(of: Int.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var n = 0
                    for i in 0..<2_000 where (try? regex.firstMatch(in: "x user=u\(t)_\(i) y") { $0.string(1) }) == "u\(t)_\(i)" {
                        n += 1
                    }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        #expect(counts == 16_000)
    }
}

@Suite struct PatternParserUTF8Tests {
    @Test func findsTheReplacementCharacterAnywhere() {
        #expect(!PatternParser.containsReplacementCharacter(""))
        #expect(!PatternParser.containsReplacementCharacter("plain ascii and ü and 漢字 \u{FFFC}\u{FFFE}"))
        #expect(PatternParser.containsReplacementCharacter("\u{FFFD}"))
        #expect(PatternParser.containsReplacementCharacter("abc\u{FFFD}"))
        #expect(PatternParser.containsReplacementCharacter("\u{FFFD}abc"))
        #expect(PatternParser.containsReplacementCharacter(String(decoding: [0x61, 0xFF, 0x62], as: UTF8.self)))
    }
}
