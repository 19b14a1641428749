// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.0"),
    ],
    targets: [
        // SQLite's C API plus the macros Swift cannot import (SQLITE_TRANSIENT).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // zlib's inflateInit2 is a macro: a shim exposes it (gzip import, and archive streams libdeflate cannot take whole).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libdeflate for archive segments: bounded gzip members compressed and read whole, ~1.6× zlib's speed at level 6.
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        // OpenSSL for the notifiers' blocking sockets: SMTP STARTTLS, SMTPS and HTTPS webhooks.
        .systemLibrary(name: "CTLS", providers: [.apt(["libssl-dev"])]),
        // PCRE2 (with its JIT) for the regexes users write in configuration: pattern rules, redaction.
        .systemLibrary(name: "CPCRE2", providers: [.apt(["libpcre2-dev"])]),
        // Event model, canonical JSON, filter language. No I/O.
        .target(name: "VigilCore", swiftSettings: swiftSettings),
        // Syslog headers, SourceParser plugins.
        .target(name: "VigilParsers", dependencies: ["VigilCore", "CPCRE2"], swiftSettings: swiftSettings),
        // NIO listeners and frame decoders.
        .target(
            name: "VigilIngest",
            dependencies: [
                "VigilCore", "VigilParsers",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hash chain, bounded queue, routing, fan-out to sinks.
        .target(
            name: "VigilPipeline",
            dependencies: [
                "VigilCore", "VigilParsers", "VigilStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Partitioned SQLite store; filter AST -> parameterised SQL.
        .target(
            name: "VigilStore",
            dependencies: [
                "VigilCore", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Alert rules over committed events, notifiers (SMTP, webhook, command, syslog). No NIO; TLS via OpenSSL.
        .target(
            name: "VigilAlerts",
            dependencies: [
                "VigilCore", "CTLS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Gzip JSONL segments and manifests, retention, `vigil verify`.
        .target(
            name: "VigilArchive",
            dependencies: [
                "VigilCore", "VigilStore", "VigilPipeline", "CZlib", "CDeflate",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird: API, tail, /metrics, /healthz.
        .target(
            name: "VigilHTTP",
            dependencies: [
                "VigilCore", "VigilStore", "VigilPipeline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Config loading and wiring: makeServer(configuration:) -> ServiceGroup.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilCore", "VigilParsers", "VigilIngest", "VigilPipeline", "VigilStore", "VigilHTTP", "VigilAlerts", "VigilArchive",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VigilCLI",
            dependencies: [
                "VigilCore", "VigilParsers", "VigilServer", "VigilStore", "VigilPipeline", "VigilAlerts", "VigilArchive", "VigilHTTP", "CZlib",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // jemalloc as the daemon's malloc (see Sources/CAllocator/allocator.c); only the executable links it.
        .target(name: "CAllocator", linkerSettings: [.linkedLibrary("jemalloc")]),
        .executableTarget(name: "vigil", dependencies: ["VigilCLI", "CAllocator"], swiftSettings: swiftSettings),
        // `swift run -c release ParserBench`: per-parser throughput on one core.
        .executableTarget(
            name: "ParserBench", dependencies: ["VigilCore", "VigilParsers"], path: "Benchmarks/ParserBench",
            swiftSettings: swiftSettings),
        // `./dev bench-alerts`: rule evaluation throughput with the default rule pack on one core.
        .executableTarget(
            name: "AlertBench", dependencies: ["VigilCore", "VigilAlerts", "VigilServer"], path: "Benchmarks/AlertBench",
            swiftSettings: swiftSettings),
        // `./dev bench-archive`: segment write, search and verify rates.
        .executableTarget(
            name: "ArchiveBench",
            dependencies: ["VigilCore", "VigilStore", "VigilPipeline", "VigilArchive", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/ArchiveBench", swiftSettings: swiftSettings),
        // `./dev bench-web`: page latencies over a generated store (seeded straight through StoreWriter).
        .executableTarget(
            name: "WebBench", dependencies: ["VigilCore", "VigilStore", "VigilPipeline"],
            path: "Benchmarks/WebBench", swiftSettings: swiftSettings),

        .target(name: "VigilTestSupport", dependencies: ["VigilCore"], path: "Tests/VigilTestSupport",
                swiftSettings: swiftSettings),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilParsersTests", dependencies: ["VigilParsers", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "VigilIngestTests",
            dependencies: [
                "VigilIngest", "VigilTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "VigilCLITests", dependencies: ["VigilCLI", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilHTTPTests", dependencies: ["VigilHTTP", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilServerTests", dependencies: ["VigilServer", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilAlertsTests", dependencies: ["VigilAlerts", "VigilServer", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilPipelineTests", dependencies: ["VigilPipeline", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "VigilStoreTests", dependencies: ["VigilStore", "VigilPipeline", "VigilTestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "VigilArchiveTests", dependencies: ["VigilArchive", "VigilStore", "VigilPipeline", "VigilTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "VigilIntegrationTests",
            dependencies: ["VigilServer", "VigilCLI", "VigilHTTP", "VigilTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
