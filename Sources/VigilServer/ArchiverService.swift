import Foundation
import Logging
import ServiceLifecycle
import VigilArchive
import VigilCore
import VigilPipeline

/// Runs the archiver every `interval` on `clock` until shutdown. The open segment is left as it
/// is: on the next start it is rewritten from the store.
struct ArchiverService<C: Clock>: Service where C.Duration == Duration {
    let archiver: Archiver
    let interval: Double
    let clock: C
    let now: @Sendable () -> Timestamp

    init(archiver: Archiver, interval: Double, clock: C = ContinuousClock(), now: @escaping @Sendable () -> Timestamp = Timestamp.now) {
        self.archiver = archiver
        self.interval = interval
        self.clock = clock
        self.now = now
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: .milliseconds(Int64(interval * 1000)))
                } catch {
                    return
                }
                do {
                    try await archiver.tick(now: now())
                } catch {
                    await archiver.logFailure(error)
                }
            }
        }
    }

    /// What `POST /api/v1/archive/rotate` runs.
    static func rotateHandler(_ archiver: Archiver) -> @Sendable () async throws -> String {
        { () async throws -> String in
            let manifest = try await archiver.rotate(now: .now())
            guard let manifest else { return #"{"closed":null}"# }
            return String(decoding: manifest.encoded(), as: UTF8.self).replacingOccurrences(of: "\n", with: "")
                .wrappedAsClosed()
        }
    }
}

extension String {
    fileprivate func wrappedAsClosed() -> String { #"{"closed":"# + self + "}" }
}

extension ServerBuilder {
    /// The archiver for the configuration, or nil when archiving is off. Receipts go through `sink`.
    public static func makeArchiver(_ configuration: VigilConfiguration, sink: PipelineSink, logger: Logger) throws -> Archiver? {
        let archive = configuration.archive
        guard archive.enabled else { return nil }
        let retention = try configuration.retention.map { r throws(ArchiveError) in
            RetentionPolicy(
                defaultKeepSeconds: r.defaultKeep.map { Int64($0) },
                classes: try r.classes.map { c throws(ArchiveError) in try RetentionPolicy.Class(filter: c.filter, keepSeconds: Int64(c.keep)) })
        }
        return try Archiver(
            storeDirectory: configuration.dataDirectory + "/store",
            archiveDirectory: archive.path(dataDirectory: configuration.dataDirectory),
            options: try archive.segmentOptions(),
            retention: retention, checkpointSeconds: Int64(archive.checkpointInterval), logger: logger,
            submitReceipts: { events in
                let ack = CommitAck()
                await sink.submit(events: events, ack: ack)
                return await ack.wait() == .committed
            })
    }
}

extension VigilConfiguration.Archive {
    /// Rotation limits and the keys, loaded from their files.
    public func segmentOptions() throws(ArchiveError) -> SegmentOptions {
        try SegmentOptions.load(
            maximumBytes: segmentSize, maximumAge: Int64(segmentAge), signingKeyPath: signingKey, encryptionKeyPath: encryptionKey,
            compressionLevel: Int32(compressionLevel))
    }

    public func loadCipher() throws(ArchiveError) -> SegmentCipher? {
        try encryptionKey.map { path throws(ArchiveError) in try SegmentCipher.load(path) }
    }
}
