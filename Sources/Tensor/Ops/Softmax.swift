import CTensorKernels

/// softmax and log_softmax: fused row kernels over the last dim (other dims are moved last, processed,
/// and moved back). Checked against the composed `exp(x - logsumexp(x))` in the tests.

enum SoftmaxKernel {
    /// y = softmax(x) (or log_softmax when `log`) over rows of length n (CTensorKernels, widest ISA).
    static func forward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            rt_softmax_rows(x + range.lowerBound * n, y + range.lowerBound * n, range.count, n, log ? 1 : 0)
        }
    }

    /// softmax: gx = y (g - Σ g y); log_softmax: gx = g - exp(y) Σ g.
    static func backward(_ y: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                         _ gx: UnsafeMutablePointer<Float>, rows: Int, n: Int, log: Bool) {
        Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { range in
            let o = range.lowerBound * n
            rt_softmax_rows_backward(y + o, g + o, gx + o, range.count, n, log ? 1 : 0)
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
        if d != rank - 1 {
            return try transposed(d, -1).softmaxLike(dim: -1, log: log).transposed(d, -1)
        }
        let n = shape[rank - 1]
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
