import Logging
import ServiceLifecycle
import VigilCore
import VigilIngest

/// Runs one listener as a service: it binds, records its port, serves until graceful shutdown,
/// then hands every frame it already read to the pipeline before returning.
struct ListenerService: Service {
    let listener: any IngestListener
    let ports: BoundPorts

    static func make(
        _ spec: VigilConfiguration.Listener, sink: any LineSink, ports: BoundPorts, logger: Logger
    ) throws -> ListenerService {
        let address: ListenerAddress =
            spec.kind == .udp || spec.kind == .tcp ? .inet(host: spec.host, port: spec.port) : .unix(path: spec.path)
        let configuration = ListenerConfiguration(
            name: spec.name, address: address, maximumLineLength: spec.maximumLineLength,
            receiveBufferSize: spec.receiveBufferSize, socketMode: UInt32(spec.socketMode))
        var logger = logger
        logger[metadataKey: "listener"] = "\(spec.name)"
        let listener: any IngestListener
        switch spec.kind {
        case .udp: listener = UDPListener(configuration: configuration, sink: sink, logger: logger)
        case .tcp: listener = TCPListener(configuration: configuration, sink: sink, logger: logger)
        case .unix: listener = UnixStreamListener(configuration: configuration, sink: sink, logger: logger)
        case .unixDatagram: listener = UnixDatagramListener(configuration: configuration, sink: sink, logger: logger)
        }
        return ListenerService(listener: listener, ports: ports)
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    try await listener.run()
                }
            }
            group.addTask {
                if let port = try? await listener.waitUntilBound().port { ports.set(listener.name, port) }
            }
        }
    }
}
