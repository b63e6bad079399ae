// RagtimeBench: release-build benchmarks that print their figures (not tests).
//   swift run -c release RagtimeBench [suite ...]     suites: tensor, tokenizers, index, index-search,
//                                                    models, kb-encode, rag, train (default: all)
//   RAGTIME_BENCH_PRECISION=bf16                     matrix products in bfloat16 (Precision.sessionDefault;
//                                                    the train suite's child processes inherit it)
// Each suite lives in its own file (<Suite>Benchmarks.swift) and prints a table of medians.
import Foundation
import Tensor

BLASKernel.selectFastKernelIfNeeded()  // may re-execute once with OPENBLAS_CORETYPE (Tensor/BLASKernel.swift)
MemoryTuning.apply()                   // heap reuse instead of page faults per step (Tensor/MemoryTuning.swift)

let suites: [(name: String, run: () throws -> Void)] = [
    ("tensor", runTensorBenchmarks),
    ("tokenizers", runTokenizerBenchmarks),
    ("index", runIndexBenchmarks),
    ("index-search", runIndexSearchBenchmarks),
    ("models", runModelsBenchmarks),
    ("kb-encode", runKBEncodeBenchmarks),
    ("rag", runRAGBenchmarks),
    ("train", runTrainBenchmarks),
]

/// `RAGTIME_BENCH_CASES=tiny,MiniLM` limits suites that honour it (tensor layers, models, kb-encode, rag, train) to cases whose name
/// starts with one of the given prefixes (case-insensitive); unset = all cases.
func benchCaseSelected(_ name: String) -> Bool {
    guard let list = ProcessInfo.processInfo.environment["RAGTIME_BENCH_CASES"], !list.isEmpty else { return true }
    return list.split(separator: ",").contains { name.lowercased().hasPrefix($0.lowercased()) }
}

if let name = ProcessInfo.processInfo.environment["RAGTIME_BENCH_PRECISION"], !name.isEmpty {
    guard let precision = Precision(name: name) else {
        print("RagtimeBench: RAGTIME_BENCH_PRECISION must be one of \(Precision.names), got \(name)")
        exit(64)
    }
    Precision.sessionDefault = precision
}

let requested = Array(CommandLine.arguments.dropFirst())
let unknown = requested.filter { name in !suites.contains { $0.name == name } }
if !unknown.isEmpty {
    print("RagtimeBench: unknown suite(s) \(unknown.joined(separator: ", ")); known: \(suites.map(\.name).joined(separator: ", "))")
    exit(64)
}
print("RagtimeBench: BLAS kernel \(BLAS.coreName), \(BLAS.threadCount) BLAS threads, row kernels \(KernelISA.name), products in \(Precision.active.rawValue)")
for suite in suites where requested.isEmpty || requested.contains(suite.name) {
    print("== \(suite.name) ==")
    do { try suite.run() } catch { print("\(suite.name) failed: \(error)"); exit(1) }
}
