import Testing

@Suite struct VigilHTTPPlaceholderTests {
    @Test func moduleBuilds() { #expect(Bool(true)) }
}
