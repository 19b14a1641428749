import Testing
import VigilCore
import VigilPipeline

@Suite struct DropRulesTests {
    static func event(action: String, kind: String?, entityType: String? = nil) -> AuditEvent {
        var e = AuditEvent(
            time: Timestamp(microseconds: 1_705_314_600_000_000),
            received: Timestamp(microseconds: 1_705_314_600_000_000),
            action: action)
        e.kind = kind
        e.entityType = entityType
        return e
    }

    static let rules = [
        DropRules.Rule(name: "page_views", filter: "action:view kind:web"),
        DropRules.Rule(name: "noisy_entities", filter: "entity_type:(cache or session_ping)"),
        DropRules.Rule(name: "all_views", filter: "action:view"),
    ]

    @Test func firstMatchingRuleDropsTheEvent() throws {
        let drop = try DropRules(Self.rules)
        #expect(drop.names == ["page_views", "noisy_entities", "all_views"])
        #expect(drop.firstMatch(Self.event(action: "view", kind: "web")) == 0)
        #expect(drop.firstMatch(Self.event(action: "view", kind: "api", entityType: "cache")) == 1)
        #expect(drop.firstMatch(Self.event(action: "view", kind: "api")) == 2)
        #expect(drop.firstMatch(Self.event(action: "update", kind: "web", entityType: "customer")) == nil)
    }

    @Test func noRulesDropNothing() throws {
        let drop = try DropRules([])
        #expect(drop.isEmpty)
        #expect(drop.firstMatch(Self.event(action: "view", kind: "web")) == nil)
    }

    @Test func invalidFilterNamesTheRuleAndColumn() {
        do {
            _ = try DropRules([
                DropRules.Rule(name: "ok", filter: "action:view"),
                DropRules.Rule(name: "broken", filter: "action:view and actor:"),
            ])
            Issue.record("expected an error")
        } catch {
            guard case .invalidFilter(index: 1, name: "broken", let filterError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.index == 1)
            #expect(error.path == "[1].filter")
            #expect(error.column == filterError.column)
            #expect(filterError.column > 1)
            #expect(error.description.contains("Drop rule 1 (\"broken\")"))
            #expect(error.description.contains("column \(filterError.column)"))
        }
    }

    @Test(arguments: [
        ([DropRules.Rule(name: "", filter: "action:view")], DropRuleError.missingName(index: 0)),
        (
            [DropRules.Rule(name: "a", filter: "action:view"), DropRules.Rule(name: "a", filter: "kind:web")],
            DropRuleError.duplicateName(index: 1, name: "a")
        ),
        ([DropRules.Rule(name: "everything", filter: "  ")], DropRuleError.emptyFilter(index: 0, name: "everything")),
        (
            [DropRules.Rule(name: "recent", filter: "action:view since:2h")],
            DropRuleError.relativeTime(index: 0, name: "recent")
        ),
    ])
    func configurationMistakes(rules: [DropRules.Rule], expected: DropRuleError) {
        #expect(throws: expected) { try DropRules(rules) }
    }

    @Test func absoluteTimesAreAllowed() throws {
        let drop = try DropRules([DropRules.Rule(name: "old", filter: "action:view until:2024-01-01")])
        #expect(drop.firstMatch(Self.event(action: "view", kind: "web")) == nil)
    }
}
