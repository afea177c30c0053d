// swift-tools-version: 6.2
// A libFuzzer harness for the GoBinary parsers. Sources/GoBinary links to the package's own sources.
// Build and run through scripts/fuzz-inspect (Linux): swift build -c release -Xswiftc -sanitize=fuzzer,address ...
import PackageDescription

let package = Package(
    name: "GoBinaryFuzz",
    targets: [
        .target(name: "GoBinary"),
        .executableTarget(
            name: "FuzzInspect",
            dependencies: ["GoBinary"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
