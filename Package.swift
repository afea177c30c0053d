// swift-tools-version: 6.2
// crossgo: build, verify, test and inspect Go programs for many targets, and diagnose Go installations.
import PackageDescription

let package = Package(
    name: "crossgo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crossgo", targets: ["crossgo"]),
        .library(name: "GoBinary", targets: ["GoBinary"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "crossgo",
            dependencies: ["CrossGoCLI"]
        ),
        .target(
            name: "CrossGoCLI",
            dependencies: [
                "CrossGoKit",
                "GoBinary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "CrossGoKit",
            dependencies: [
                "GoBinary",
                "CBuildStamp",
                "CSystemShims",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        /// The git revision the build was stamped with (C, so that a -D define can carry a string).
        .target(name: "CBuildStamp"),
        /// prctl and other C variadic system calls, with fixed arguments for Swift.
        .target(name: "CSystemShims"),
        /// Reads ELF, Mach-O, PE, wasm, XCOFF and Plan 9 a.out files and Go build info from bytes. No dependencies.
        .target(name: "GoBinary"),
        .testTarget(
            name: "GoBinaryTests",
            dependencies: ["GoBinary"]
        ),
        /// Shared test helpers: the real toolchain loaded once, temp folders, running crossgo.
        .target(
            name: "TestSupport",
            dependencies: ["CrossGoKit"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CrossGoKitTests",
            dependencies: ["CrossGoKit", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "CrossGoCLITests",
            dependencies: ["CrossGoKit", "CrossGoCLI", "TestSupport", "crossgo", .product(name: "Yams", package: "Yams")]
        ),
    ]
)
