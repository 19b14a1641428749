import Testing
import VigilCore

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("1.2.3.4", "1.2.3.4"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"), ("::", "::"),
        ("::1", "::1"), ("2001:db8::1", "2001:db8::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:10.0.0.1", "10.0.0.1"), ("::ffff:a00:1", "10.0.0.1"), ("fe80::1:2", "fe80::1:2"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("1::", "1::"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func parsesAndPrints(text: String, printed: String) throws {
        let address = try #require(IPAddress.parse(text))
        #expect(address.description == printed)
        #expect(IPAddress.parse(printed) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.-4", ":", ":::",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "::1%eth0", "[::1]", "1.2.3.4:80", "1:2:3:4:5:6:7",
        "::ffff:1.2.3", "1:", ":1", "not-an-ip",
    ])
    func refusesNonAddresses(text: String) {
        #expect(IPAddress.parse(text) == nil)
    }

    @Test func ipv4IsMappedIntoIPv6() throws {
        let address = try #require(IPAddress.parse("192.0.2.1"))
        #expect(address.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1])
        #expect(address.isIPv4)
        #expect(IPAddress.parse("::ffff:192.0.2.1") == address)
        #expect(try #require(IPAddress.parse("::1")).isIPv4 == false)
    }

    @Test func addressesSortByTheirBytes() throws {
        let texts = ["::", "::1", "0.0.0.0", "10.0.0.1", "10.0.0.2", "255.255.255.255", "2001:db8::", "ffff::"]
        let addresses = try texts.map { try #require(IPAddress.parse($0)) }
        #expect(addresses == addresses.sorted())
        let bytes = addresses.map(\.bytes)
        #expect(bytes == bytes.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func cidrBlocksAreInclusiveRanges() throws {
        let v4 = try #require(IPNetwork(cidr: "192.0.2.77/24"))
        #expect(v4.lower == IPAddress.parse("192.0.2.0"))
        #expect(v4.upper == IPAddress.parse("192.0.2.255"))
        #expect(v4.description == "192.0.2.0/24")
        #expect(v4.contains(try #require(IPAddress.parse("192.0.2.255"))))
        #expect(!v4.contains(try #require(IPAddress.parse("192.0.3.0"))))
        let v6 = try #require(IPNetwork(cidr: "2001:db8::/32"))
        #expect(v6.upper == IPAddress.parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(IPNetwork(cidr: "0.0.0.0/0")?.upper == IPAddress.parse("255.255.255.255"))
        #expect(IPNetwork(cidr: "::/0")?.upper.bytes == Array(repeating: 0xFF, count: 16))
        #expect(IPNetwork(cidr: "10.1.2.3/32")?.lower == IPNetwork(cidr: "10.1.2.3/32")?.upper)
        #expect(IPNetwork(cidr: "::ffff:0:0/96")?.description == "0.0.0.0/0")
        #expect(IPNetwork(cidr: "2001:db8::1/128")?.description == "2001:db8::1/128")
        let bad = ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0", "10.0.0.0/8/8", "x/8", "10.0.0.0/-1", "1.0.0.0/8a"]
        for bad in bad {
            #expect(IPNetwork(cidr: bad) == nil, "\(bad)")
        }
    }
}
