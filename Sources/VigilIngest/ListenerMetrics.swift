import Metrics
import VigilCore

/// The counters one listener reports, all with the dimension `listener`.
struct ListenerMetrics: Sendable {
    /// Lines handed to the sink and accepted by it.
    let received: Counter
    /// Lines the sink refused because its queue was full (datagram listeners only).
    let droppedQueueFull: Counter
    /// Lines cut to the maximum line length.
    let truncated: Counter
    /// Frames whose octet count was malformed.
    let invalidFrames: Counter
    /// Open stream connections.
    let connectionsActive: Meter

    init(listener: String, factory: any MetricsFactory) {
        let dimensions = [("listener", listener)]
        received = Counter(label: "vigil_lines_received_total", dimensions: dimensions, factory: factory)
        droppedQueueFull = Counter(
            label: "vigil_lines_dropped_total", dimensions: dimensions + [("reason", "queue_full")], factory: factory)
        truncated = Counter(label: "vigil_lines_truncated_total", dimensions: dimensions, factory: factory)
        invalidFrames = Counter(label: "vigil_frames_invalid_total", dimensions: dimensions, factory: factory)
        connectionsActive = Meter(label: "vigil_connections_active", dimensions: dimensions, factory: factory)
    }

    /// Counts a batch the sink accepted.
    func recordAccepted(_ lines: [ReceivedLine], invalidFrames invalid: Int) {
        received.increment(by: lines.count)
        var truncatedCount = 0
        for line in lines where line.truncatedFrom != nil { truncatedCount += 1 }
        if truncatedCount > 0 { truncated.increment(by: truncatedCount) }
        if invalid > 0 { invalidFrames.increment(by: invalid) }
    }
}
