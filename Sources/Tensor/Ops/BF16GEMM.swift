import CBF16GEMM

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Matrix products in bfloat16 with float32 accumulation (`Precision.bfloat16`), through oneDNN
/// (CBF16GEMM). Operands are rounded to bfloat16 (nearest even) on the way in; the result is float32.
/// Each product of two bfloat16 numbers is exact in float32, so the only error against a float32 product
/// is the operands' rounding (relative 2^-9 each) plus float32 summation order (docs/tensor.md).
enum BF16GEMM {
    /// C[i] = alpha · op(A[i]) @ op(B[i]) (+ C[i] with `accumulate`) for `batch` items, A[i] at
    /// a + i·strideA (0 = shared), likewise B and C. Returns false, after a one-time notice on standard
    /// error, when oneDNN could not run the product (no memory for the bfloat16 copies); the caller then
    /// computes it in float32.
    static func product(_ ta: Bool, _ tb: Bool, batch: Int = 1, m: Int, n: Int, k: Int, alpha: Float = 1,
                        _ a: UnsafePointer<Float>, lda: Int, strideA: Int = 0,
                        _ b: UnsafePointer<Float>, ldb: Int, strideB: Int = 0,
                        _ c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int = 0,
                        accumulate: Bool, threads: Int) -> Bool {
        let status = rt_bf16_gemm(ta ? 1 : 0, tb ? 1 : 0, batch, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
                                  c, ldc, Swift.max(strideC, m * ldc), accumulate ? 1 : 0, Int32(Swift.max(1, threads)))
        if status == 0 { return true }
        if !failureNoted.exchange(true, ordering: .relaxed) {
            writeNotice("ragtime: a bf16 matrix product [\(m)x\(k)]x[\(k)x\(n)] (batch \(batch)) failed in oneDNN (status \(status)); such products compute in float32")
        }
        return false
    }

    /// One product split into row blocks of C, one single-threaded oneDNN call per block on the Tensor
    /// workers (as the float32 path splits small products): no OpenMP team, so oneDNN's threads never spin
    /// against the Swift kernels' workers (measured 2026-12-02, MiniLM KB encoding 16 x 128 on 2 cores: ~155
    /// passages/s split, ~125 with one call on oneDNN's 2 OpenMP threads). `RAGTIME_BF16_OMP=1` runs one call
    /// on oneDNN's own threads instead. False when the product fell back to float32 (the caller computes it).
    static func rowBlocks(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                          _ b: UnsafePointer<Float>, ldb: Int, _ c: UnsafeMutablePointer<Float>, accumulate: Bool) -> Bool {
        let threads = Parallel.threadCount
        if useOpenMP || threads == 1 || m < 64 || m * n * k < GEMM.splitMACs {
            return product(ta, tb, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: n, accumulate: accumulate, threads: useOpenMP ? threads : 1)
        }
        let parts = Swift.min(threads, m / 32)
        let per = ((m + parts - 1) / parts + 15) / 16 * 16
        Parallel.forEach(parts, grain: 1) { r in
            for p in r {
                let i0 = p * per, rows = Swift.min(m, i0 + per) - i0
                guard rows > 0 else { continue }
                let ab = ta ? a + i0 : a + i0 * lda
                if !product(ta, tb, m: rows, n: n, k: k, ab, lda: lda, b, ldb: ldb, c + i0 * n, ldc: n, accumulate: accumulate, threads: 1) {
                    // This block alone in float32 (the others are done; C must not be accumulated twice).
                    Parallel.withSingleThreadedBLAS {
                        sgemmLD(ta, tb, m: rows, n: n, k: k, alpha: 1, ab, lda, b, ldb, beta: accumulate ? 1 : 0, c + i0 * n, n)
                    }
                }
            }
        }
        return true
    }

    static let useOpenMP: Bool = { getenv("RAGTIME_BF16_OMP").map { String(cString: $0) == "1" } ?? false }()

    /// The item stride of an operand whose broadcast batch strides are `strides` (Shape.broadcastStrides)
    /// when one stride describes it: `size` when every item has its own matrix in order, 0 when all share
    /// one; nil for partial broadcasts (those run item by item).
    static func batchStride(_ strides: [Int], batch: [Int], size: Int) -> Int? {
        let own = Shape.strides(batch)
        let dims = batch.indices.filter { batch[$0] > 1 }  // a dim of 1 has no stride to speak of
        if dims.allSatisfy({ strides[$0] == 0 }) { return 0 }
        return dims.allSatisfy({ strides[$0] == own[$0] }) ? size : nil
    }

    private static let failureNoted = Atomic<Bool>(false)
}

/// `sgemmLD` in the given precision: bfloat16 on one thread (the caller is a worker of a parallel loop)
/// or float32 through OpenBLAS. beta is 0 or 1.
@inline(__always)
func gemmLD(bf16: Bool, _ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
            _ b: UnsafePointer<Float>, _ ldb: Int, beta: Float = 0, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    if bf16 && m > 0 && n > 0 && k > 0,
       BF16GEMM.product(ta, tb, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, c, ldc: ldc,
                        accumulate: beta != 0, threads: 1) {
        return
    }
    sgemmLD(ta, tb, m: m, n: n, k: k, alpha: alpha, a, lda, b, ldb, beta: beta, c, ldc)
}
