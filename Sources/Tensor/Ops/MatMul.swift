import CBLAS

/// Matrix products through `cblas_sgemm`: `[..., M, K] @ [..., K, N] -> [..., M, N]` with NumPy
/// broadcasting of the batch dims and transpose flags (`transposeA` reads A's last two dims as
/// `[K, M]`, `transposeB` reads B's as `[N, K]`), so `x.matmul(w, transposeB: true)` is a PyTorch
/// linear layer with `w: [out, in]` and no copy.
enum GEMM {
    /// C[M, N] = op(A) @ op(B), row-major, C overwritten.
    ///
    /// Large products with every side >= 128 (BERT/BART linears and their gradients) are one call to
    /// OpenBLAS with its own threads: its threads share the packed panels of B, which row blocks per
    /// worker would each re-pack (measured 2026-11-27, BERT-base encoding 6.0 -> 7.2 passages/s, MiniLM
    /// fwd+bwd 1.19 -> 1.00 s). Executables start OpenBLAS with `OPENBLAS_THREAD_TIMEOUT=4` (BLASKernel)
    /// so its idle threads sleep at once instead of spinning against the Swift kernels' workers.
    /// Other products from `splitMACs` up (small K or N, e.g. d = 64 models) are split into row (or column)
    /// blocks of C, one single-threaded BLAS call per block on the Tensor workers.
    /// With `accumulate`, C += op(A) @ op(B) (BLAS beta 1) instead.
    /// In `.bfloat16` the product goes to oneDNN in blocks on the Tensor workers (BF16GEMM.blocks). The caller
    /// passes the precision it read on its own thread (`Precision.active`): a worker of a parallel loop has no
    /// setting of its own.
    static func sgemm(_ a: UnsafePointer<Float>, _ ta: Bool, _ b: UnsafePointer<Float>, _ tb: Bool,
                      _ c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, accumulate: Bool = false, precision: Precision) {
        let beta: Float = accumulate ? 1 : 0
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        if m == 0 || n == 0 { return }
        let (lda, ldb) = (ta ? m : k, tb ? k : n)
        if precision == .bfloat16 {
            BF16GEMM.blocks(ta, tb, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, accumulate: accumulate)
            return
        }
        if m * n * k >= nativeMACs && Swift.min(m, n, k) >= 128 && Parallel.threadCount > 1 {
            // OpenBLAS's thread count follows `Parallel.threadCount` (its setter sets both).
            sgemmLD(ta, tb, m: m, n: n, k: k, alpha: 1, a, lda, b, ldb, beta: beta, c, n)
            return
        }
        let parts = Parallel.threadCount == 1 ? 1 : Parallel.threadCount * 2  // 2 blocks per worker balance shared cores
        Parallel.withSingleThreadedBLAS {
            if parts > 1 && m * n * k >= splitMACs && m >= parts * 32 {
                let per = (m + parts - 1) / parts
                Parallel.forEach(parts, grain: 1) { r in
                    for p in r {
                        let i0 = p * per, rows = Swift.min(m, i0 + per) - i0
                        guard rows > 0 else { continue }
                        sgemmLD(ta, tb, m: rows, n: n, k: k, alpha: 1, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta: beta, c + i0 * n, n)
                    }
                }
            } else if parts > 1 && m * n * k >= splitMACs && n >= parts * 32 {
                let per = (n + parts - 1) / parts
                Parallel.forEach(parts, grain: 1) { r in
                    for p in r {
                        let j0 = p * per, cols = Swift.min(n, j0 + per) - j0
                        guard cols > 0 else { continue }
                        sgemmLD(ta, tb, m: m, n: cols, k: k, alpha: 1, a, lda, tb ? b + j0 * ldb : b + j0, ldb, beta: beta, c + j0, n)
                    }
                }
            } else {
                sgemmLD(ta, tb, m: m, n: n, k: k, alpha: 1, a, lda, b, ldb, beta: beta, c, n)
            }
        }
    }

    /// Products from this many multiply-adds up (and every side >= 128) use OpenBLAS's own threads.
    static let nativeMACs = 1 << 24

    /// Products from this many multiply-adds up are split across workers.
    static let splitMACs = 1 << 20

    /// Products below this many multiply-adds run one per thread with single-threaded BLAS
    /// (measured here: 128x128x64 attention heads are faster that way).
    static let smallProductMACs = 1 << 22
}

/// C[M, N] = alpha · op(A) · op(B) (+ beta · C), row-major with explicit leading dimensions; runs with
/// whatever OpenBLAS thread count is set (the Tensor ops call it inside `withSingleThreadedBLAS`).
@inline(__always)
func sgemmLD(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
             _ b: UnsafePointer<Float>, _ ldb: Int, beta: Float = 0, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

extension Tensor {
    /// Batched matrix product with optional transposes of the last two dims of either operand.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) throws -> Tensor {
        let a = self, b = other
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape, reason: "both operands need rank >= 2")
        }
        let (a0, a1) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (b0, b1) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = transposeA ? (a1, a0) : (a0, a1)
        let (k2, n) = transposeB ? (b1, b0) : (b0, b1)
        guard k == k2 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape,
                                            reason: "inner dims \(k) vs \(k2) (transposeA: \(transposeA), transposeB: \(transposeB))")
        }
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batch = try Shape.broadcast(aBatch, bBatch, op: "matmul")
        try Shape.validate(batch + [m, n], op: "matmul")
        let out = Tensor(uninitialized: batch + [m, n])
        let precision = Precision.active  // read here: the item loop below may run on workers

        if bBatch.isEmpty && !transposeA {
            // [..., M, K] @ [K, N]: one product with the batch folded into M.
            GEMM.sgemm(a.base, false, b.base, transposeB, out.base, m: Shape.count(aBatch) * m, n: n, k: k, precision: precision)
        } else {
            let count = Shape.count(batch)
            let aStrides = Shape.broadcastStrides(aBatch, to: batch), bStrides = Shape.broadcastStrides(bBatch, to: batch)
            let outStrides = Shape.strides(batch)
            let (pa, pb, pc, aSize, bSize) = (a.base, b.base, out.base, a0 * a1, b0 * b1)
            let item: (Int) -> Void = { i in
                var ai = 0, bi = 0, rest = i
                for d in 0..<batch.count {
                    let idx = rest / outStrides[d]
                    rest %= outStrides[d]
                    ai += idx * aStrides[d]
                    bi += idx * bStrides[d]
                }
                GEMM.sgemm(pa + ai * aSize, transposeA, pb + bi * bSize, transposeB, pc + i * m * n, m: m, n: n, k: k,
                           precision: precision)
            }
            let bf16 = precision == .bfloat16
            if count > 1 && bf16 && m > 0 && n > 0 && k > 0,
               let sa = BF16GEMM.batchStride(aStrides, batch: batch, size: aSize),
               let sb = BF16GEMM.batchStride(bStrides, batch: batch, size: bSize) {
                // Batched bfloat16 calls: every item's operand is its own matrix or one shared matrix.
                BF16GEMM.blocks(transposeA, transposeB, batch: count, m: m, n: n, k: k, pa, lda: transposeA ? m : k, strideA: sa,
                                pb, ldb: transposeB ? k : n, strideB: sb, pc, accumulate: false)
            } else if count > 1 && !bf16 && m * n * k < GEMM.smallProductMACs && Parallel.threadCount > 1 {
                Parallel.withSingleThreadedBLAS {
                    Parallel.forEach(count, grain: 1) { r in r.forEach(item) }
                }
            } else {
                for i in 0..<count { item(i) }
            }
        }

        // The closure keeps only what it reads: B's values for dA, A's for dB (not the input tensors).
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)
        let ad = tb ? a.detached() : nil, bd = ta ? b.detached() : nil
        return Tensor.record(.matmul, [a, b], out) { g in
            var ga: Tensor?, gb: Tensor?
            if bBatch.isEmpty && !transposeA {
                // Fold the batch: A as [B*M, K], G as [B*M, N].
                let g2 = try g.reshaped([-1, n])
                if let bd { ga = try g2.matmul(bd, transposeB: !transposeB).reshaped(sa) }
                if let ad {
                    let a2 = try ad.reshaped([-1, k])
                    gb = transposeB ? try g2.matmul(a2, transposeA: true) : try a2.matmul(g2, transposeA: true)
                }
                return [ga, gb]
            }
            if let bd {
                // d op(A) = G @ op(B)^T.
                ga = transposeA ? try bd.matmul(g, transposeA: transposeB, transposeB: true)
                                : try g.matmul(bd, transposeB: !transposeB)
                ga = try ga!.sumTo(sa)
            }
            if let ad {
                // d op(B) = op(A)^T @ G.
                gb = transposeB ? try g.matmul(ad, transposeA: true, transposeB: transposeA)
                                : try ad.matmul(g, transposeA: !transposeA)
                gb = try gb!.sumTo(sb)
            }
            return [ga, gb]
        }
    }
}
