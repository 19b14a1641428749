import ArgumentParser
import Foundation

struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a line, or each line of standard input, to a daemon (like logger).",
        discussion: "ADDR is \(SendAddress.formsHelp)."
    )

    @Option(name: .long, help: "Where to send: \(SendAddress.formsHelp).")
    var to: String

    @Argument(help: "The line to send; without it, every line of standard input is sent.")
    var message: [String] = []

    @Flag(name: .long, help: "Frame TCP and Unix stream lines with RFC 6587 octet counting instead of LF.")
    var octetCounting = false

    func run() throws {
        guard let address = SendAddress(to) else {
            throw ValidationError("--to '\(to)' is not an address; use \(SendAddress.formsHelp)")
        }
        var sender = try LineSender(address: address, octetCounting: octetCounting)
        if !message.isEmpty {
            try sender.send(Array(message.joined(separator: " ").utf8))
        } else {
            // Stream standard input in chunks: constant memory however many lines come.
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress, 1 << 16) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending += chunk[0..<n]
                var start = 0
                while let newline = pending[start...].firstIndex(of: 10) {
                    try sender.send(Array(pending[start..<newline]))
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
            if !pending.isEmpty { try sender.send(pending) }
        }
        try sender.finish()
    }
}

/// Frames lines for one address and writes them in large chunks.
struct LineSender {
    let address: SendAddress
    let octetCounting: Bool
    private var socket: ClientSocket?
    private var buffer: [UInt8] = []
    private var httpLines: [UInt8] = []
    private(set) var sent = 0

    init(address: SendAddress, octetCounting: Bool) throws {
        self.address = address
        self.octetCounting = octetCounting
        if case .http = address { return }
        socket = try ClientSocket.connect(address)
        buffer.reserveCapacity(1 << 17)
    }

    mutating func send(_ line: [UInt8]) throws {
        var line = line
        if line.last == 13 { line.removeLast() }
        sent += 1
        guard let socket else {
            httpLines += line + [10]
            if httpLines.count >= 4 << 20 { try flushHTTP() }
            return
        }
        if socket.datagram {
            try socket.write(line)
            return
        }
        if octetCounting { buffer += Array("\(line.count) ".utf8) + line } else { buffer += line + [10] }
        if buffer.count >= 1 << 16 {
            try socket.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private mutating func flushHTTP() throws {
        guard !httpLines.isEmpty, let client = HTTPClient(url: address.description) else { return }
        let (response, data) = try client.fetch(
            method: "POST", path: "/api/v1/events", body: httpLines, contentType: "application/x-ndjson")
        guard (200..<300).contains(response.status) else {
            throw ValidationError("the daemon refused the lines: HTTP \(response.status) \(String(decoding: data, as: UTF8.self))")
        }
        httpLines.removeAll()
    }

    /// Flushes, then for streams waits for the daemon to close after our EOF, so every line was read.
    mutating func finish() throws {
        guard let socket else { return try flushHTTP() }
        defer { socket.close() }
        if !buffer.isEmpty { try socket.write(buffer) }
        if !socket.datagram {
            socket.shutdownWrite()
            _ = try? socket.read()
        }
    }
}
