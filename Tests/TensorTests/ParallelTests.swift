import XCTest
import Tensor
import TestSupport

final class ParallelTests: XCTestCase {
    /// Kernels split large tensors across workers; results must not depend on the thread count
    /// (elementwise ops bit for bit, products and reductions up to rounding).
    func testResultsAgreeAcrossThreadCounts() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let rng = RNG(seed: 11)
        let x = try Tensor.randn([96, 4096], generator: rng), w = try Tensor.randn([300, 4096], std: 0.02, generator: rng)
        let heads = try Tensor.randn([24, 64, 32], generator: rng)
        func run() throws -> [Tensor] {
            [x.gelu(), try x + x.slice(dim: 0, start: 0, end: 1), try x.softmax(dim: -1),
             try x.layerNorm(weight: nil, bias: nil), try x.sum(dims: [0]), try x.matmul(w, transposeB: true),
             try heads.matmul(heads, transposeB: true), try x.permuted([1, 0])]
        }
        Parallel.threadCount = 1
        XCTAssertEqual(BLAS.threadCount, 1)
        let one = try run()
        Parallel.threadCount = 2
        XCTAssertEqual(BLAS.threadCount, 2)
        let two = try run()
        for i in [0, 1, 2, 3, 7] { XCTAssertEqual(one[i].scalars, two[i].scalars, "op \(i)") }
        for i in [4, 5, 6] { XCTAssertTrue(approxEqual(one[i], two[i], atol: 1e-4, rtol: 1e-4), "op \(i)") }
    }
}
