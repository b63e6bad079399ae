// swift-tools-version:6.0
// Ragtime: a Swift runtime for retrieval-augmented generation research.
// Layering (README.md, "Layout"): a module never imports one above it.
import PackageDescription

/// Numeric kernels are compiled with optimisation even in debug builds: debug SIMD code is
/// 100-900x slower, which would make `swift test` crawl (measured on the project's machine).
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
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // What every layer shares: atomic file and folder saves, file-error wording, JSON (the one value type,
        // parser and writer), string escaping, the worker-thread setting and the one parallel loop, progress rates.
        .target(name: "Support"),
        // Open MPI loaded at run time (dlopen of libmpi.so.40 under mpirun; nothing linked): docs/distributed.md.
        .target(name: "CMPI", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "Cluster", dependencies: ["CMPI"]),
        .target(name: "Syntax", swiftSettings: optimized),
        .target(name: "Tokenizers", dependencies: ["Support"], swiftSettings: optimized),
        // Layer 1: tensors and autodiff.
        .target(name: "CTensorKernels", cSettings: [.unsafeFlags(["-O3"])]),  // AVX-512/AVX2/baseline row kernels
        // bfloat16 matrix products through oneDNN (Debian's libdnnl, OpenMP runtime: libgomp).
        .target(name: "CBF16GEMM", cSettings: [.unsafeFlags(["-O3"])], linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        .target(name: "Tensor", dependencies: ["CBLAS", "CTensorKernels", "CBF16GEMM", "Support"], swiftSettings: optimized),
        // Layer 2: modules with Hugging Face parameter names, layers, checkpoints.
        .target(name: "NN", dependencies: ["Tensor", "Support"], swiftSettings: optimized),
        // Layer 2: vector indexes (plain Float matrices, no Tensor).
        .target(name: "CVectorKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Index", dependencies: ["CBLAS", "CVectorKernels", "Support"], swiftSettings: optimized),
        // Layer 3: BERT/DPR encoders, BART, generation.
        .target(name: "Models", dependencies: ["Tensor", "NN", "Tokenizers", "Support"], swiftSettings: optimized),
        // Layer 4: knowledge base; conforms to Models' `Retriever`, encodes with `DPRPassageEncoder`.
        .target(name: "KB", dependencies: ["Index", "Models", "Tensor", "Tokenizers", "Support", "Cluster"]),
        // Layer 5: datasets, metrics, checkpoints and the training loop (docs/train.md).
        .target(name: "Train", dependencies: ["Tensor", "NN", "Tokenizers", "Models", "KB", "Cluster", "Support"]),
        // Layer 6-8: the language.
        .target(name: "Runtime", dependencies: ["CZlib", "Syntax", "Tensor", "Tokenizers", "Index", "KB", "Models", "NN", "Train", "Cluster", "Support"], swiftSettings: optimized),
        .target(name: "REPL", dependencies: ["Runtime", "Syntax", "CEditLine"]),
        .executableTarget(name: "ragtime", dependencies: ["REPL", "Runtime"]),
        .executableTarget(name: "RagtimeBench", dependencies: ["Tensor", "Tokenizers", "Index", "Models", "KB", "NN"], swiftSettings: optimized),
        // Test support and tests.
        .target(name: "TestSupport", dependencies: ["Tensor"]),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "Tensor", "Tokenizers", "TestSupport"]),
        .testTarget(name: "SyntaxTests", dependencies: ["Syntax", "TestSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"]),
        .testTarget(name: "IndexTests", dependencies: ["Index", "TestSupport"]),
        .testTarget(name: "KBTests", dependencies: ["KB", "Index", "TestSupport"]),
        .testTarget(name: "TrainTests", dependencies: ["Train", "KB", "Models", "NN", "Tensor", "Tokenizers", "Support", "TestSupport"]),
        .testTarget(name: "RAGTests", dependencies: ["KB", "Models", "Index", "Tensor", "Tokenizers", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "REPL", "Train", "Tensor", "TestSupport"]),
        .testTarget(name: "REPLTests", dependencies: ["REPL", "Runtime", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Tensor", "TestSupport"]),  // runs ragtime under mpirun
    ]
)
