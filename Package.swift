// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "activity",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "activity", targets: ["activity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // C: libcurl and SQLite from Debian's -dev packages, with typed shims for variadic calls.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // libpq from Debian's libpq-dev: the PostgreSQL store (PGPASSWORD, .pgpass, sslmode as in psql).
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // libxlsxwriter from Debian's -dev package: the XLSX exports.
        .systemLibrary(name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // The web view's secrets: yescrypt password hashes (libcrypt), SHA-256 of session tokens,
        // random tokens and constant-time comparison (OpenSSL's libcrypto), gzip of large answers (zlib),
        // from Debian's -dev packages.
        .systemLibrary(name: "CWebCrypto", providers: [.apt(["libcrypt-dev", "libssl-dev", "zlib1g-dev"])]),

        // Pure domain code: MIME headers, identity, classification, weeks, targets. No I/O.
        .target(name: "ActivityCore"),
        // The TOML configuration, with errors that name file, line and key.
        .target(name: "ActivityConfig", dependencies: [
            "ActivityCore",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // The only module that touches libcurl: IMAP (connect-only) and later CalDAV.
        .target(name: "ActivityTransport", dependencies: [
            "CCurl", "ActivityCore",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The store: schema, migrations, queries; on SQLite (embedded) or PostgreSQL (shared).
        .target(name: "ActivityStore", dependencies: ["CSQLite", "CPostgres", "ActivityCore"]),
        // Per-account sync state machines, the derivation of activities from stored items, the
        // daemon (scheduling, backoff and graceful shutdown as a swift-service-lifecycle Service),
        // and every other way to a server: config check's logins (ServerCheck), the digest's SMTP (Outbox).
        .target(name: "ActivitySync", dependencies: [
            "ActivityTransport", "ActivityStore", "ActivityCore", "ActivityConfig",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Commands, output formats, exit codes. No Transport: servers only through Sync.
        .target(name: "ActivityCLI", dependencies: [
            "ActivitySync", "ActivityStore", "ActivityConfig", "ActivityCore", "CXLSXWriter", "CWebCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "activity", dependencies: ["ActivityCLI"]),

        .testTarget(name: "ActivityCoreTests", dependencies: ["ActivityCore", "ActivityConfig"]),
        .testTarget(name: "ActivityTransportTests", dependencies: ["ActivityTransport"]),
        // Unit tests of the sync, without a server: the plans, and transcripts recorded from real
        // servers replayed over a temporary SQLite store.
        .testTarget(name: "ActivitySyncTests", dependencies: [
            "ActivitySync", "ActivityTransport", "ActivityStore", "ActivityConfig", "ActivityCore",
        ]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "ActivityCLI", "ActivitySync", "ActivityStore", "ActivityTransport", "ActivityConfig", "ActivityCore",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
