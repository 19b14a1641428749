import Foundation
import VigilCore

/// Delivers `vigil run`'s events (canonical JSON lines) to a daemon, within a time limit, so a
/// slow or dead daemon never holds up the job: failures go to the spool instead.
struct EventForwarder {
    let address: SendAddress
    /// Seconds connecting and each read or write may take.
    var timeout: Double = 2

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends every entry; returns only when the daemon has them (HTTP: committed; streams: read, as
    /// the daemon closes its side only after reading everything we sent).
    func deliver(_ entries: [[UInt8]]) throws {
        guard !entries.isEmpty else { return }
        switch address {
        case .http:
            guard var client = HTTPClient(url: address.description) else { throw Failure(description: "bad address \(address)") }
            client.timeout = timeout
            var body: [UInt8] = []
            for entry in entries { body += entry + [10] }
            let (response, data) = try client.fetch(
                method: "POST", path: "/api/v1/events?format=event", body: body, contentType: "application/x-ndjson")
            guard response.status == 200 else {
                throw Failure(description: "the daemon answered HTTP \(response.status): \(String(decoding: data, as: UTF8.self))")
            }
        case .tcp, .unix:
            let socket = try ClientSocket.connect(address, timeout: timeout)
            defer { socket.close() }
            var buffer: [UInt8] = []
            for entry in entries { buffer += try Self.syslogLine(entry) + [10] }
            try socket.write(buffer)
            socket.shutdownWrite()
            // The daemon closes after it has read our end of stream.
            while !(try socket.read()).isEmpty {}
        case .udp, .unixDatagram:
            throw Failure(description: "vigil run needs a stream or HTTP address (unix:, tcp://, http://), not \(address)")
        }
    }

    /// An RFC 5424 line under app `vigil-run` carrying the event: the daemon's `wrapper` route takes it as is.
    static func syslogLine(_ entry: [UInt8]) throws -> [UInt8] {
        let event = try AuditEvent(json: entry)
        let host = (event.host ?? "-").isEmpty ? "-" : (event.host ?? "-")
        let procID = event.attrs["pid"]?.intValue.map(String.init) ?? "-"
        let severity = event.outcome == "failure" ? 4 : 6  // warning / info, facility user
        let head = "<\(8 + severity)>1 \(event.time.rfc3339) \(host) \(WrapperName.app) \(procID) \(event.action) - "
        return Array(head.utf8) + entry
    }
}
