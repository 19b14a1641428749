/// A socket listener that hands received lines to a `LineSink`.
public protocol IngestListener: Sendable {
    /// The configured listener name.
    var name: String { get }
    /// Binds, then serves until the calling task is cancelled. On cancellation it stops accepting, closes its
    /// connections, hands every frame it already read to the sink, and returns.
    ///
    /// - Throws: ``IngestError`` when the socket cannot be bound or set up.
    func run() async throws
    /// Waits until `run()` has bound its socket and returns the actual address (the real port when `0` was asked).
    ///
    /// - Throws: The binding error, or `CancellationError` when the waiting task is cancelled.
    func waitUntilBound() async throws -> ListenerAddress
}
