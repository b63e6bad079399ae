// swift-tools-version:6.0
// Ragtime: a Swift runtime for retrieval-augmented generation research.
// Layering (../shared/docs/DESIGN.md): a module never imports one above it.
import PackageDescription

/// Numeric kernels are compiled with optimisation even in debug builds: debug SIMD code is
/// 100-900x slower, which would make `swift test` crawl (platform-notes.md, "Swift kernels").
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "Ragtime",
    products: [
        .executable(name: "ragtime", targets: ["ragtime"]),
    ],
    targets: [
        // Layer 0: C boundaries and pure-Swift leaves.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "Syntax"),
        .target(name: "Tokenizers", swiftSettings: optimized),
        // Layer 1: tensors and autodiff.
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: optimized),
        // Layer 2: vector indexes (plain Float matrices, no Tensor).
        .target(name: "Index", dependencies: ["CBLAS"], swiftSettings: optimized),
        // Layer 6-8: the language.
        .target(name: "Runtime", dependencies: ["Syntax", "Tensor", "Tokenizers", "Index"]),
        .target(name: "REPL", dependencies: ["Runtime", "Syntax", "CEditLine"]),
        .executableTarget(name: "ragtime", dependencies: ["REPL", "Runtime", "Tensor"]),
        .executableTarget(name: "RagtimeBench", dependencies: ["Tensor", "Tokenizers", "Index"], swiftSettings: optimized),
        // Test support and tests.
        .target(name: "TestSupport", dependencies: ["Tensor"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "SyntaxTests", dependencies: ["Syntax"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "REPL", "TestSupport"]),
        .testTarget(name: "REPLTests", dependencies: ["REPL", "Runtime", "TestSupport"]),
    ]
)
