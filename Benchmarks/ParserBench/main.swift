// Per-parser throughput on one core: lines/s and ns/line through `LineProcessor` (syslog header,
// routing, parser, envelope), over representative lines of each dialect.
// Run: swift run -c release ParserBench [ITERATIONS [PARSER…]]   (or ./dev bench-parsers)
import Foundation
import VigilCore
import VigilParsers

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200_000
let received = Timestamp(seconds: 1_795_341_600)

func processor(_ parser: String, _ options: [String: JSONValue] = [:]) throws -> LineProcessor {
    let instance = try ParserRegistry.make(name: parser, configuration: ParserConfiguration(options: options))
    return LineProcessor(routes: [LineProcessor.Route(parser: parser, requireParser: true)], parsers: [parser: instance])
}

let patternRules: JSONValue = [[
    "name": "billing",
    "regex": #"^(?<ts>\S+) user=(?<actor>\S+) op=(?<action>\w+) invoice=(?<entity_id>\d+) amount=(?<attrs.amount>[0-9.]+)$"#,
    "time": ["field": "ts", "format": "rfc3339"],
    "fields": ["entity_type": "invoice"],
]]

let cases: [(name: String, processor: LineProcessor, lines: [String])] = try [
    ("json", processor("json"), [
        #"<134>1 2026-11-22T10:00:00.123Z web01 backoffice 1234 audit - {"user":"john.smith","action":"update","entity_type":"customer","entity_id":"CUST-12345","ip":"10.1.2.3","session":"s0a1b2","changes":[{"field":"credit_limit","old":1000,"new":5000}],"message":"john.smith update customer CUST-12345"}"#,
        #"{"user":"mary","event":"login","ip":"192.0.2.10","user_agent":"Mozilla/5.0 (X11; Linux x86_64)","time":"2026-11-22T10:00:01Z"}"#,
    ]),
    ("nginx", processor("nginx"), [
        #"<190>Nov 22 10:00:00 web01 nginx: 203.0.113.9 - alice [22/Nov/2026:10:00:00 +0100] "GET /catalog/product/view/id/42?color=red HTTP/1.1" 200 18211 "https://shop.example/catalog" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0""#,
        #"192.0.2.7 - john [22/Nov/2026:10:00:00 +0000] "POST /admin/customer/index/save/id/42/ HTTP/1.1" 302 0 "-" "curl/8""#,
    ]),
    ("apache", processor("apache"), [
        #"192.168.33.1 - - [26/Dec/2016:16:22:13 +0000] "GET /hello HTTP/1.1" 404 499 "-" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:50.0) Gecko/20100101 Firefox/50.0""#,
    ]),
    ("haproxy", processor("haproxy"), [
        #"<134>Nov 22 10:00:00 haproxy[123]: 1.2.3.4:38862 [30/Jul/2018:09:03:52.726] incoming~ docs_microservice/docs 0/0/1/0/2 304 168 - - ---- 6/6/0/0/0 0/0 {docs.example.internal||} {|||} "GET /component.js HTTP/1.1""#,
    ]),
    ("gateway", processor("gateway"), [
        #"{"request":{"method":"DELETE","uri":"/v1/customers/CUST-12345","size":120},"response":{"status":204,"size":0},"client_ip":"198.51.100.20","consumer":{"id":"4d3c2b1a","username":"billing-sync"},"latencies":{"request":38,"kong":2,"proxy":36},"started_at":1795341600000}"#,
    ]),
    ("auth", processor("auth"), [
        "<38>Nov 22 10:00:00 bastion sshd[811]: Accepted publickey for alice from 192.0.2.10 port 50022 ssh2: RSA SHA256:abc",
        "<86>Nov 22 10:00:01 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
    ]),
    ("auditd", processor("auditd"), [
        #"type=USER_LOGIN msg=audit(1700000000.123:456): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="bob" exe="/usr/sbin/sshd" hostname=? addr=192.0.2.4 terminal=ssh res=failed'"#,
    ]),
    ("logfmt", processor("logfmt"), [
        #"time=2026-11-22T10:00:00Z user=john action=export entity_type=customer records=5000 ip=192.0.2.9 msg="nightly export""#,
    ]),
    ("cef", processor("cef"), [
        #"CEF:0|Acme|Backoffice|1.0|100|User exported customers|5|suser=john src=192.0.2.9 act=export cs1Label=records cs1=5000 msg=customer export done"#,
    ]),
    ("pattern", processor("pattern", ["rules": patternRules]), [
        "<14>1 2026-11-22T10:00:05Z erp billing - - - 2026-11-20T08:30:00Z user=carol op=VOID invoice=1042 amount=99.50",
    ]),
]

// A shared machine's neighbours slow whole runs down: each parser runs `rounds` times, and the best
// round (the closest to what one core does) is printed beside the median.
let rounds = max(1, ProcessInfo.processInfo.environment["PARSER_BENCH_ROUNDS"].flatMap { Int($0) } ?? 3)
print("parser      lines/s     ns/line   median/s   (best of \(rounds) rounds of \(iterations) lines, one core, release)")
let only = Set(CommandLine.arguments.dropFirst(2))
for (name, processor, lines) in cases where only.isEmpty || only.contains(name) {
    let inputs = lines.map { ReceivedLine(bytes: Array($0.utf8), received: received, listener: "bench") }
    var unparsed = 0
    for input in inputs where processor.process(input).action == AuditEvent.unparsedAction { unparsed += 1 }
    var sink = 0
    var rates: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        for i in 0..<iterations {
            let event = processor.process(inputs[i % inputs.count])
            sink &+= event.action.utf8.count
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        rates.append(Double(iterations) / seconds)
    }
    rates.sort()
    let rate = rates[rates.count - 1]
    let median = rates[rates.count / 2]
    let note = unparsed > 0 ? "  (\(unparsed) sample lines unparsed!)" : ""
    print(name.padding(toLength: 10, withPad: " ", startingAt: 0), String(format: "%9.0f  %9.0f  %9.0f", rate, 1e9 / rate, median) + note + (sink == 0 ? " " : ""))
}
