// RagtimeBench: release-build benchmarks that print their figures (not tests).
//   swift run -c release RagtimeBench [suite ...]     suites: tensor, tokenizers, index, index-search,
//                                                    models, rag (default: all)
// Each suite lives in its own file (<Suite>Benchmarks.swift) and prints a table of medians.
import Foundation
import Tensor

BLASKernel.selectFastKernelIfNeeded()  // may re-execute once with OPENBLAS_CORETYPE (Tensor/BLASKernel.swift)

let suites: [(name: String, run: () throws -> Void)] = [
    ("tensor", runTensorBenchmarks),
    ("tokenizers", runTokenizerBenchmarks),
    ("index", runIndexBenchmarks),
    ("index-search", runIndexSearchBenchmarks),
    ("models", runModelsBenchmarks),
    ("rag", runRAGBenchmarks),
]

let requested = Array(CommandLine.arguments.dropFirst())
let unknown = requested.filter { name in !suites.contains { $0.name == name } }
if !unknown.isEmpty {
    print("RagtimeBench: unknown suite(s) \(unknown.joined(separator: ", ")); known: \(suites.map(\.name).joined(separator: ", "))")
    exit(64)
}
print("RagtimeBench: BLAS kernel \(BLAS.coreName), \(BLAS.threadCount) BLAS threads")
for suite in suites where requested.isEmpty || requested.contains(suite.name) {
    print("== \(suite.name) ==")
    do { try suite.run() } catch { print("\(suite.name) failed: \(error)"); exit(1) }
}
