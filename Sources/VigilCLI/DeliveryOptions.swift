import ArgumentParser
import Foundation
import VigilServer

/// Where `vigil run` and `vigil flush` send events, and where they keep what could not be sent.
struct DeliveryOptions: ParsableArguments {
    @Option(name: .long, help: "Daemon address: unix:PATH, tcp://HOST:PORT or http://HOST:PORT (default: $VIGIL_ADDR, else the configuration's Unix stream listener).")
    var to: String?

    @Option(name: .long, help: "Spool directory for events the daemon could not take (default: $VIGIL_SPOOL, else /var/spool/vigil for root, ~/.local/state/vigil/spool for others).")
    var spool: String?

    @OptionGroup var configOptions: ConfigOptions

    var settings: DeliverySettings {
        DeliverySettings(to: to, spool: spool, config: configOptions.config, dataDir: configOptions.dataDir)
    }
}

/// The values of ``DeliveryOptions``, as a plain value (the `vigil run` fast path fills it without ArgumentParser).
struct DeliverySettings {
    var to: String?
    var spool: String?
    var config: String?
    var dataDir: String?

    func loadConfiguration() throws -> VigilConfiguration {
        try ConfigOptions.load(config: config, dataDir: dataDir)
    }

    func address(configuration: VigilConfiguration?) throws -> SendAddress {
        if let text = to ?? ProcessInfo.processInfo.environment["VIGIL_ADDR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let address = SendAddress(text) else {
                throw ValidationError("'\(text)' is not an address; use unix:PATH, tcp://HOST:PORT or http://HOST:PORT")
            }
            return address
        }
        let configuration = configuration ?? VigilConfiguration().resolvingPaths(relativeTo: FileManager.default.currentDirectoryPath)
        if let unix = configuration.listeners.first(where: { $0.kind == .unix }) { return .unix(path: unix.path) }
        if let tcp = configuration.listeners.first(where: { $0.kind == .tcp }) { return .tcp(host: tcp.host, port: tcp.port) }
        if let http = configuration.http { return .http(host: http.host, port: http.port) }
        throw ValidationError("no address: set --to or VIGIL_ADDR")
    }

    var spoolDirectory: String {
        if let spool { return spool }
        let environment = ProcessInfo.processInfo.environment
        if let spool = environment["VIGIL_SPOOL"], !spool.isEmpty { return spool }
        if geteuid() == 0 { return "/var/spool/vigil" }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/vigil/spool"
    }
}

/// Sends events now, or spools them when the daemon cannot take them; older spooled events go first.
struct SpoolingDelivery {
    let forwarder: EventForwarder
    let spool: Spool?

    /// `nil` when delivered directly; otherwise why the events were spooled (or lost, if even the spool failed).
    @discardableResult
    func send(_ events: [[UInt8]], report: (String) -> Void) -> String? {
        var lastError: String?
        if let spool {
            // Keep order: what waits in the spool goes first; if it cannot, the new events queue behind it.
            let result = try? spool.flush(wait: false) { entries in
                do {
                    try forwarder.deliver(entries)
                } catch {
                    lastError = "\(error)"
                    throw error
                }
            }
            if (result?.remaining ?? 1) > 0 {
                return spoolOrReport(events, reason: lastError ?? "older events are still spooled", report: report)
            }
        }
        do {
            try forwarder.deliver(events)
            return nil
        } catch {
            return spoolOrReport(events, reason: "\(error)", report: report)
        }
    }

    private func spoolOrReport(_ events: [[UInt8]], reason: String, report: (String) -> Void) -> String {
        guard let spool else {
            report("vigil: cannot deliver \(events.count) event(s) (\(reason)) and no spool is available; they are lost")
            return reason
        }
        do {
            try spool.append(events)
        } catch {
            report("vigil: cannot deliver \(events.count) event(s) (\(reason)) nor spool them (\(error)); they are lost")
        }
        return reason
    }
}
