// Throughput of the web parsers, one core: `swift run -c release` in a package that builds this file
// against VigilCore and VigilParsers (it is not part of Package.swift).
import Foundation
import VigilCore
import VigilParsers

let received = Timestamp(seconds: 1_795_341_600)
let lines: [(name: String, parser: any SourceParser, text: String)] = [
    (
        "nginx combined", try NginxParser(configuration: ParserConfiguration()),
        #"203.0.113.9 - alice [22/Nov/2026:10:00:00 +0100] "GET /catalog/product/view/id/42?color=red HTTP/1.1" 200 18211 "https://shop.example/catalog" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36""#
    ),
    (
        "nginx log_format", try NginxParser(configuration: ParserConfiguration(options: [
            "log_format": #"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time"#,
        ])),
        #"203.0.113.9 - alice [22/Nov/2026:10:00:00 +0100] "GET /catalog/product/view/id/42?color=red HTTP/1.1" 200 18211 "https://shop.example/catalog" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" 0.042"#
    ),
    (
        "apache combined", try ApacheParser(configuration: ParserConfiguration()),
        #"192.168.33.1 - - [26/Dec/2016:16:22:13 +0000] "GET /hello HTTP/1.1" 404 499 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:50.0) Gecko/20100101 Firefox/50.0""#
    ),
    (
        "haproxy http", try HAProxyParser(configuration: ParserConfiguration()),
        #"1.2.3.4:38862 [30/Jul/2018:09:03:52.726] incoming~ docs_microservice/docs 0/0/1/0/2 304 168 - - ---- 6/6/0/0/0 0/0 {docs.example.internal||} {|||} "GET /component.js HTTP/1.1""#
    ),
    (
        "gateway kong", try GatewayParser(configuration: ParserConfiguration()),
        #"{"request":{"method":"DELETE","uri":"/v1/customers/CUST-12345","size":120},"response":{"status":204,"size":0},"client_ip":"198.51.100.20","consumer":{"id":"4d3c2b1a","username":"billing-sync"},"latencies":{"request":38,"kong":2,"proxy":36},"started_at":1795341600000}"#
    ),
]

let count = 300_000
for (name, parser, text) in lines {
    let input = ParserInput(line: ReceivedLine(bytes: Array(text.utf8), received: received, listener: "bench"),
                            syslog: SyslogMessage(message: text))
    var sink = 0
    let start = ContinuousClock.now
    for _ in 0..<count {
        if let event = try? parser.parse(input) { sink &+= event.status ?? 0 }
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("\(name): \(Int(Double(count) / seconds)) lines/s, \(Int(seconds / Double(count) * 1e9)) ns/line (\(sink % 7))")
}
