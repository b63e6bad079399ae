import CBF16GEMM

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Matrix products in bfloat16 with float32 accumulation (`Precision.bfloat16`), through oneDNN
/// (CBF16GEMM). Operands are rounded to bfloat16 (nearest even) on the way in; the result is float32.
/// Each product of two bfloat16 numbers is exact in float32, so the only error against a float32 product
/// is the operands' rounding (relative 2^-8 each) plus float32 summation order (docs/tensor.md).
enum BF16GEMM {
    /// C[i] = alpha · op(A[i]) @ op(B[i]) (+ C[i] with `accumulate`) for `batch` items, A[i] at
    /// a + i·strideA (0 = shared), likewise B and C. Returns false, after a one-time notice on standard
    /// error, when oneDNN could not run the product (no memory for the bfloat16 copies); the caller then
    /// computes it in float32. Runs on the calling thread (with `threads` > 1: on oneDNN's OpenMP threads).
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

    /// A product on the Tensor workers: split into row blocks of C (or column blocks when M is small, or
    /// chunks of the batch items), one single-threaded oneDNN call per block, as the float32 path splits small
    /// products. No OpenMP team runs, so oneDNN's idle threads never spin against the Swift kernels' workers
    /// (measured 2026-12-02, MiniLM KB encoding 16 x 128 on 2 cores: ~155 passages/s split, ~125 with one call
    /// on oneDNN's 2 OpenMP threads; `RAGTIME_BF16_OMP=1` makes one such call instead). A block oneDNN could
    /// not run is computed in float32 by itself (the others are done; C must not be accumulated twice).
    static func blocks(_ ta: Bool, _ tb: Bool, batch: Int = 1, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                       strideA: Int = 0, _ b: UnsafePointer<Float>, ldb: Int, strideB: Int = 0, _ c: UnsafeMutablePointer<Float>,
                       accumulate: Bool) {
        let threads = Parallel.threadCount
        // One block: rows i0..<i0+rows, columns j0..<j0+cols of items t0..<t0+items.
        func run(items t0: Int, _ items: Int, rows i0: Int, _ rows: Int, cols j0: Int, _ cols: Int, threads: Int) {
            let ab = a + t0 * strideA + (ta ? i0 : i0 * lda), bb = b + t0 * strideB + (tb ? j0 * ldb : j0)
            let cb = c + t0 * m * n + i0 * n + j0
            if product(ta, tb, batch: items, m: rows, n: cols, k: k, ab, lda: lda, strideA: strideA, bb, ldb: ldb, strideB: strideB,
                       cb, ldc: n, strideC: m * n, accumulate: accumulate, threads: threads) { return }
            Parallel.withSingleThreadedBLAS {
                for t in 0..<items {
                    sgemmLD(ta, tb, m: rows, n: cols, k: k, alpha: 1, ab + t * strideA, lda, bb + t * strideB, ldb,
                            beta: accumulate ? 1 : 0, cb + t * m * n, n)
                }
            }
        }
        if useOpenMP || threads == 1 || batch * m * n * k < GEMM.splitMACs {
            run(items: 0, batch, rows: 0, m, cols: 0, n, threads: useOpenMP ? threads : 1)
            return
        }
        // Split the dimension with the most room: batch items, rows (in multiples of 16) or columns.
        let parts = threads * 2  // 2 blocks per worker balance shared cores
        if batch >= parts {
            let per = (batch + parts - 1) / parts
            Parallel.forEach(parts, grain: 1) { r in
                for p in r where p * per < batch { run(items: p * per, Swift.min(batch, p * per + per) - p * per, rows: 0, m, cols: 0, n, threads: 1) }
            }
        } else if m >= n || m >= parts * 32 {
            let per = ((m + parts - 1) / parts + 15) / 16 * 16
            Parallel.forEach((m + per - 1) / per, grain: 1) { r in
                for p in r { for t in 0..<batch { run(items: t, 1, rows: p * per, Swift.min(m, p * per + per) - p * per, cols: 0, n, threads: 1) } }
            }
        } else {
            let per = ((n + parts - 1) / parts + 15) / 16 * 16
            Parallel.forEach((n + per - 1) / per, grain: 1) { r in
                for p in r { for t in 0..<batch { run(items: t, 1, rows: 0, m, cols: p * per, Swift.min(n, p * per + per) - p * per, threads: 1) } }
            }
        }
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
