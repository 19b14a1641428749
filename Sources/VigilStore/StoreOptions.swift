/// Tunables of the partitioned store.
public struct StoreOptions: Sendable {
    /// A partition is sealed once it holds this many events...
    public var partitionEvents: Int64
    /// ...or once it is this old (seconds since its first event was written).
    public var partitionSeconds: Int64

    public init(partitionEvents: Int64 = 500_000, partitionSeconds: Int64 = 3600) {
        self.partitionEvents = partitionEvents
        self.partitionSeconds = partitionSeconds
    }
}

/// The newest link of the hash chain as stored.
public struct ChainHead: Sendable, Equatable {
    public var seq: Int64
    public var hash: [UInt8]

    public init(seq: Int64, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash
    }
}
