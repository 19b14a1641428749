import Foundation
import Logging
import VigilCore
import VigilPipeline
import VigilServer
import VigilStore

/// Delivers events parsed by a client command (`import`, `reparse`) to the store: straight into the
/// data directory when no daemon holds it, otherwise through the running daemon's API, so that one
/// writer keeps the hash chain either way.
final class EventDelivery {
    private enum Mode {
        case local(writer: EventWriter, sink: PipelineSink, task: Task<Void, Never>)
        case remote(HTTPClient)
    }

    private let mode: Mode
    private(set) var delivered = 0

    var description: String {
        switch mode {
        case .local: return "the data directory"
        case .remote(let client): return "the daemon at http://\(client.host):\(client.port)"
        }
    }

    init(configuration: VigilConfiguration, server: String?) throws {
        if let server {
            guard let client = HTTPClient(url: server, dataDirectory: configuration.dataDirectory) else { throw ClientSocket.Failure(description: "--server must be http://HOST:PORT") }
            mode = .remote(client)
            return
        }
        var logger = Logger(label: "vigil")
        logger.logLevel = .warning
        do {
            let store = try StoreWriter(
                directory: configuration.dataDirectory + "/store",
                options: StoreOptions(
                    partitionEvents: configuration.store.partitionEvents,
                    partitionSeconds: configuration.store.partitionSeconds),
                logger: logger, now: .now())
            let queue = EventQueue(capacity: configuration.store.queueCapacity)
            let writer = EventWriter(store: store, queue: queue, live: LiveStream(), logger: logger)
            let sink = try ServerBuilder.makeSink(configuration, queue: queue)
            mode = .local(writer: writer, sink: sink, task: Task { await writer.run() })
        } catch StoreError.locked {
            guard let http = configuration.http else {
                throw ClientSocket.Failure(description: "a daemon holds the store and has no HTTP port; pass --server")
            }
            let host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host
            guard let client = HTTPClient(url: "http://\(SendAddress.bracket(host)):\(http.port)", dataDirectory: configuration.dataDirectory) else {
                throw ClientSocket.Failure(description: "invalid HTTP address in the configuration")
            }
            mode = .remote(client)
        }
    }

    func deliver(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        switch mode {
        case .local(_, let sink, _):
            await sink.submit(events: events)
        case .remote(let client):
            var body: [UInt8] = []
            for event in events {
                body += event.jsonBytes(includeChain: false)
                body.append(10)
            }
            let (response, data) = try client.fetch(
                method: "POST", path: "/api/v1/events?format=event", body: body, contentType: "application/x-ndjson")
            guard (200..<300).contains(response.status) else {
                throw ClientSocket.Failure(
                    description: "the daemon refused the events: HTTP \(response.status) \(String(decoding: data, as: UTF8.self))")
            }
        }
        delivered += events.count
    }

    /// Waits until everything delivered locally is committed.
    func finish() async {
        if case .local(let writer, _, let task) = mode {
            writer.shutdown()
            await task.value
        }
    }
}
