import VigilArchive

extension VigilConfiguration {
    /// Segments, checkpoints and their signing key (`archive:` in the file).
    public struct Archive: Sendable, Equatable {
        public var enabled = true
        /// Relative to the data directory.
        public var directory = "archive"
        /// Close the open segment at this compressed size …
        public var segmentSize: Int64 = 64 << 20
        /// … or after this long.
        public var segmentAge: Double = 3600
        /// How often the archiver runs.
        public var interval: Double = 10
        /// Ed25519 private key (outside the data directory): signs manifests and checkpoints.
        public var signingKey: String?
        public var checkpointInterval: Double = 3600
        /// AES-256-GCM key file (outside the data directory): closed segments are encrypted with it.
        public var encryptionKey: String?
        /// libdeflate's level for segments (`SegmentOptions.compressionLevels`).
        public var compressionLevel = Int(SegmentOptions.defaultCompressionLevel)
        public init() {}

        /// The archive directory, absolute once paths are resolved.
        public func path(dataDirectory: String) -> String {
            directory.hasPrefix("/") ? directory : dataDirectory + "/" + directory
        }
    }

    /// Retention classes (`retention:`); absent: nothing is ever removed from the store.
    public struct Retention: Sendable, Equatable {
        public struct Class: Sendable, Equatable {
            public var filter: String
            public var keep: Double
            public init(filter: String, keep: Double) {
                self.filter = filter
                self.keep = keep
            }
        }

        /// Seconds events outside every class are kept (`nil`: forever).
        public var defaultKeep: Double? = 365 * 86_400
        public var classes: [Class] = []
        public init() {}
    }
}
