/// softmax and log_softmax: fused row kernels over the last dim (other dims are moved last, processed,
/// and moved back). Checked against the composed `exp(x - logsumexp(x))` in the tests.

enum SoftmaxKernel {
    /// y = softmax(x) (or log_softmax when `log`) over rows of length n.
    static func forward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            for r in range {
                let xr = x + r * n, yr = y + r * n
                var m = RowKernels.max(xr, n)
                if !m.isFinite { m = 0 }  // all -inf row: exp gives 0s, sum 0 -> nan as in PyTorch
                let mv = V16(repeating: m)
                var acc = V16(repeating: 0)
                var i = 0
                while i + 16 <= n { let e = vexp(xr.load16(i) - mv); yr.store16(e, i); acc += e; i += 16 }
                var s = acc.sum()
                while i < n { let e = sexp(xr[i] - m); yr[i] = e; s += e; i += 1 }
                i = 0
                if log {
                    let lse = V16(repeating: m + logf(s))
                    while i + 16 <= n { yr.store16(xr.load16(i) - lse, i); i += 16 }
                    while i < n { yr[i] = xr[i] - lse[0]; i += 1 }
                } else {
                    let inv = V16(repeating: 1 / s)
                    while i + 16 <= n { yr.store16(yr.load16(i) * inv, i); i += 16 }
                    while i < n { yr[i] *= inv[0]; i += 1 }
                }
            }
        }
    }

    /// softmax: gx = y (g - Σ g y); log_softmax: gx = g - exp(y) Σ g.
    static func backward(_ y: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                         _ gx: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            for r in range {
                let yr = y + r * n, gr = g + r * n, xr = gx + r * n
                var i = 0
                if log {
                    let s = V16(repeating: RowKernels.sum(gr, n))
                    while i + 16 <= n { xr.store16(gr.load16(i) - vexp(yr.load16(i)) * s, i); i += 16 }
                    while i < n { xr[i] = gr[i] - sexp(yr[i]) * s[0]; i += 1 }
                } else {
                    let d = V16(repeating: RowKernels.dot(gr, yr, n))
                    while i + 16 <= n { xr.store16(yr.load16(i) * (gr.load16(i) - d), i); i += 16 }
                    while i < n { xr[i] = yr[i] * (gr[i] - d[0]); i += 1 }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    public func softmax(dim: Int = -1) throws -> Tensor { try softmaxLike(dim: dim, log: false) }
    public func logSoftmax(dim: Int = -1) throws -> Tensor { try softmaxLike(dim: dim, log: true) }

    private func softmaxLike(dim: Int, log: Bool) throws -> Tensor {
        let op = log ? "logSoftmax" : "softmax"
        let d = try Shape.normalize(dim: dim, rank: rank, op: op)
        if rank > 0 && d != rank - 1 {
            return try transposed(d, -1).softmaxLike(dim: -1, log: log).transposed(d, -1)
        }
        let n = rank == 0 ? 1 : shape[rank - 1]
        let rows = n == 0 ? 0 : count / n
        let out = Tensor(uninitialized: shape)
        SoftmaxKernel.forward(base, out.base, rows: rows, n: n, log: log)
        let y = out.detached()
        return Tensor.record(log ? .logSoftmax : .softmax, [self], out) { g in
            let gx = Tensor(uninitialized: y.shape)
            SoftmaxKernel.backward(y.base, g.base, gx.base, rows: rows, n: n, log: log)
            return [gx]
        }
    }
}
