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
        noteFailure(status, m: m, n: n, k: k, batch: batch)
        return false
    }

    /// The one-time notice of a product oneDNN could not run.
    static func noteFailure(_ status: Int32, m: Int, n: Int, k: Int, batch: Int) {
        if !failureNoted.exchange(true, ordering: .relaxed) {
            writeNotice("ragtime: a bf16 matrix product [\(m)x\(k)]x[\(k)x\(n)] (batch \(batch)) failed in oneDNN (status \(status)); such products compute in float32")
        }
    }

    /// A product on the Tensor workers: split into row blocks of C (or column blocks when M is small, or
    /// chunks of the batch items), one single-threaded oneDNN call per block, as the float32 path splits small
    /// products. No OpenMP team runs, so oneDNN's idle threads never spin against the Swift kernels' workers
    /// (measured 2026-12-02, MiniLM KB encoding 16 x 128 on 2 cores: ~155 passages/s split, ~125 with one call
    /// on oneDNN's 2 OpenMP threads; `RAGTIME_BF16_OMP=1` makes one such call instead). Large products alone
    /// are faster on OpenMP (2048x768x3072: ~840 against ~640 GFLOPS), but whole layers are not: a BERT-base
    /// layer's forward+backward took 74 ms split, 75-81 ms with products from 4M or 16M multiply-adds on
    /// OpenMP (2026-12-02). A block oneDNN could not run is computed in float32 by itself (the others are
    /// done; C must not be accumulated twice).
    static func blocks(_ ta: Bool, _ tb: Bool, batch: Int = 1, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                       strideA: Int = 0, _ b: UnsafePointer<Float>, ldb: Int, strideB: Int = 0, _ c: UnsafeMutablePointer<Float>,
                       accumulate: Bool) {
        let threads = Parallel.threadCount
        if useOpenMP || threads == 1 || batch * m * n * k < GEMM.splitMACs {
            if !product(ta, tb, batch: batch, m: m, n: n, k: k, a, lda: lda, strideA: strideA, b, ldb: ldb, strideB: strideB,
                        c, ldc: n, strideC: m * n, accumulate: accumulate, threads: useOpenMP ? threads : 1) {
                float32(ta, tb, items: 0..<batch, rows: 0..<m, cols: 0..<n, k: k, a, lda, strideA, b, ldb, strideB, c, m: m, n: n, accumulate)
            }
            return
        }
        // Both operands rounded once (compact: lda / ldb are their stored widths), in parallel chunks.
        let (countA, countB) = ((strideA == 0 ? 1 : batch) * m * k, (strideB == 0 ? 1 : batch) * k * n)
        let a16 = UnsafeMutablePointer<UInt16>.allocate(capacity: countA), b16 = UnsafeMutablePointer<UInt16>.allocate(capacity: countB)
        defer { a16.deallocate(); b16.deallocate() }
        let chunk = 1 << 16
        Parallel.forEach(countA + countB, grain: chunk) { r in
            let lo = r.lowerBound, hi = r.upperBound
            if lo < countA { rt_f32_to_bf16(a + lo, a16 + lo, Swift.min(hi, countA) - lo) }
            if hi > countA { let s = Swift.max(lo, countA); rt_f32_to_bf16(b + (s - countA), b16 + (s - countA), hi - s) }
        }
        // One block: items, rows and columns of C.
        func run(_ items: Range<Int>, _ rows: Range<Int>, _ cols: Range<Int>) {
            let (t0, i0, j0) = (items.lowerBound, rows.lowerBound, cols.lowerBound)
            let status = rt_bf16_gemm_converted(ta ? 1 : 0, tb ? 1 : 0, items.count, rows.count, cols.count, k, 1,
                                                a16 + t0 * strideA + (ta ? i0 : i0 * lda), lda, strideA,
                                                b16 + t0 * strideB + (tb ? j0 * ldb : j0), ldb, strideB,
                                                c + t0 * m * n + i0 * n + j0, n, m * n, accumulate ? 1 : 0, 1)
            if status != 0 {
                noteFailure(status, m: rows.count, n: cols.count, k: k, batch: items.count)
                float32(ta, tb, items: items, rows: rows, cols: cols, k: k, a, lda, strideA, b, ldb, strideB, c, m: m, n: n, accumulate)
            }
        }
        // Split the dimension with the most room: batch items, rows (in multiples of 16) or columns.
        let parts = threads * 2  // 2 blocks per worker balance shared cores
        func pieces(_ total: Int, multiple: Int) -> [Range<Int>] {
            let per = ((total + parts - 1) / parts + multiple - 1) / multiple * multiple
            return stride(from: 0, to: total, by: per).map { $0 ..< Swift.min(total, $0 + per) }
        }
        let blocks: [(Range<Int>, Range<Int>, Range<Int>)]
        if batch >= parts {
            blocks = pieces(batch, multiple: 1).map { ($0, 0..<m, 0..<n) }
        } else if m >= n || m >= parts * 32 {
            blocks = (0..<batch).flatMap { t in pieces(m, multiple: 16).map { (t..<t + 1, $0, 0..<n) } }
        } else {
            blocks = (0..<batch).flatMap { t in pieces(n, multiple: 16).map { (t..<t + 1, 0..<m, $0) } }
        }
        Parallel.forEach(blocks.count, grain: 1) { r in for i in r { run(blocks[i].0, blocks[i].1, blocks[i].2) } }
    }

    /// The float32 product of one block (after oneDNN failed on it), single-threaded BLAS per item.
    private static func float32(_ ta: Bool, _ tb: Bool, items: Range<Int>, rows: Range<Int>, cols: Range<Int>, k: Int,
                                _ a: UnsafePointer<Float>, _ lda: Int, _ strideA: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                _ strideB: Int, _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, _ accumulate: Bool) {
        let (i0, j0) = (rows.lowerBound, cols.lowerBound)
        Parallel.withSingleThreadedBLAS {
            for t in items {
                sgemmLD(ta, tb, m: rows.count, n: cols.count, k: k, alpha: 1, a + t * strideA + (ta ? i0 : i0 * lda), lda,
                        b + t * strideB + (tb ? j0 * ldb : j0), ldb, beta: accumulate ? 1 : 0, c + t * m * n + i0 * n + j0, n)
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
