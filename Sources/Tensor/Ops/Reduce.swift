/// Reductions over dimensions: sum, mean, max (with keepDim), logsumexp. A set of dims is reduced one
/// run of adjacent dims at a time, each run viewed as `[outer, r, inner]`.

enum ReduceKernel {
    enum Kind { case sum, max }

    /// out[o, i] = reduce_k x[o, k, i] over a contiguous `[outer, r, inner]` block.
    static func run(_ kind: Kind, _ x: UnsafeMutablePointer<Float>, outer: Int, r: Int, inner: Int,
                    _ out: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            if outer < Parallel.threadCount && r >= 1 << 16 {
                // Few long rows: partial results per chunk, then combine.
                for o in 0..<outer {
                    let row = x + o * r
                    let parts = Parallel.threadCount
                    var partial = [Float](repeating: kind == .sum ? 0 : -.infinity, count: parts)
                    let per = (r + parts - 1) / parts
                    partial.withUnsafeMutableBufferPointer { p in
                        let pp = p.baseAddress!
                        Parallel.forEach(parts, grain: 1) { range in
                            for c in range {
                                let lo = c * per, n = Swift.max(0, Swift.min(r, lo + per) - lo)
                                pp[c] = kind == .sum ? RowKernels.sum(row + lo, n) : RowKernels.max(row + lo, n)
                            }
                        }
                    }
                    out[o] = kind == .sum ? partial.reduce(0, +) : partial.max()!
                }
                return
            }
            Parallel.forEach(outer, grain: Swift.max(1, 32768 / Swift.max(r, 1))) { range in
                for o in range {
                    out[o] = kind == .sum ? RowKernels.sum(x + o * r, r) : RowKernels.max(x + o * r, r)
                }
            }
            return
        }
        let chunk = 512
        let chunksPerRow = (inner + chunk - 1) / chunk
        Parallel.forEach(outer * chunksPerRow, grain: Swift.max(1, 16384 / Swift.max(r * chunk, 1))) { range in
            for task in range {
                let o = task / chunksPerRow, lo = (task % chunksPerRow) * chunk
                let n = Swift.min(inner, lo + chunk) - lo
                let dst = out + o * inner + lo
                let src = x + o * r * inner + lo
                if r == 0 {
                    dst.update(repeating: kind == .sum ? 0 : -.infinity, count: n)
                    continue
                }
                dst.update(from: src, count: n)
                for k in 1..<Swift.max(r, 1) {
                    let row = src + k * inner
                    var i = 0
                    if kind == .sum {
                        while i + 16 <= n { dst.store16(dst.load16(i) + row.load16(i), i); i += 16 }
                        while i < n { dst[i] += row[i]; i += 1 }
                    } else {
                        while i + 16 <= n { dst.store16(vmax(dst.load16(i), row.load16(i)), i); i += 16 }
                        while i < n { dst[i] = Swift.max(dst[i], row[i]); i += 1 }
                    }
                }
            }
        }
    }

    /// Reduces `x` over sorted, normalised `dims`, keeping them as size 1.
    static func reduce(_ kind: Kind, _ x: Tensor, dims: [Int]) -> Tensor {
        var cur = x
        // Group adjacent dims into runs and reduce the innermost run first.
        var runs: [ClosedRange<Int>] = []
        for d in dims {
            if let last = runs.last, last.upperBound == d - 1 { runs[runs.count - 1] = last.lowerBound...d } else { runs.append(d...d) }
        }
        for group in runs.reversed() {
            let shape = cur.shape
            let outer = Shape.count(Array(shape[..<group.lowerBound]))
            let r = Shape.count(Array(shape[group]))
            let inner = Shape.count(Array(shape[(group.upperBound + 1)...]))
            var newShape = shape
            for d in group { newShape[d] = 1 }
            let out = Tensor(uninitialized: newShape)
            run(kind, cur.base, outer: outer, r: r, inner: inner, out.base)
            cur = out
        }
        return cur === x ? x.copied() : cur
    }
}

extension Tensor {
    private func keptShape(_ dims: [Int]) -> [Int] {
        var s = shape
        for d in dims { s[d] = 1 }
        return s
    }

    private func droppedShape(_ dims: [Int]) -> [Int] {
        shape.enumerated().filter { !dims.contains($0.offset) }.map(\.element)
    }

    /// Sum over `dims` (all dims when nil). With `keepDim` the reduced dims stay as size 1.
    public func sum(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        let ds = try Shape.normalize(dims: dims, rank: rank, op: "sum")
        let kept = ReduceKernel.reduce(.sum, self, dims: ds)
        let out = keepDim ? kept : try kept.reshaped(droppedShape(ds))
        let (inShape, keep) = (shape, keptShape(ds))
        return Tensor.record(.sum, [self], out) { g in [try g.reshaped(keep).expanded(to: inShape)] }
    }

    /// Mean over `dims` (all dims when nil).
    public func mean(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        let ds = try Shape.normalize(dims: dims, rank: rank, op: "mean")
        let n = Float(ds.reduce(1) { $0 * shape[$1] })
        let kept = ReduceKernel.reduce(.sum, self, dims: ds).multiplying(1 / n)
        let out = keepDim ? kept : try kept.reshaped(droppedShape(ds))
        let (inShape, keep) = (shape, keptShape(ds))
        return Tensor.record(.mean, [self], out) { g in [try g.reshaped(keep).expanded(to: inShape).multiplying(1 / n)] }
    }

    /// Maximum over `dims` (all dims when nil). The gradient is shared equally between tied maxima.
    public func max(dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        let ds = try Shape.normalize(dims: dims, rank: rank, op: "max")
        guard ds.allSatisfy({ shape[$0] > 0 }) else {
            throw TensorError.invalidShape(op: "max", shape: shape, reason: "cannot take the max over an empty dimension")
        }
        let kept = ReduceKernel.reduce(.max, self, dims: ds)
        let out = keepDim ? kept : try kept.reshaped(droppedShape(ds))
        let (x, m, keep) = (detached(), kept.detached(), keptShape(ds))
        return Tensor.record(.max, [self], out) { g in
            let mask = try x.equalMask(m)
            let ties = ReduceKernel.reduce(.sum, mask, dims: ds)
            return [try mask * (g.reshaped(keep) / ties)]
        }
    }

    /// log Σ exp(x) over `dim`, computed stably (max subtracted first).
    public func logsumexp(dim: Int, keepDim: Bool = false) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "logsumexp")
        guard shape[d] > 0 else {
            throw TensorError.invalidShape(op: "logsumexp", shape: shape, reason: "empty dimension \(dim)")
        }
        let x = detached()
        let kept: Tensor = try Tensor.withNoGrad {
            let m = ReduceKernel.reduce(.max, x, dims: [d])
            // Rows that are all -inf: keep -inf instead of nan.
            let safeM = Elementwise.map(m) { $0.isFinite ? $0 : 0 }
            let s = ReduceKernel.reduce(.sum, try (x - safeM).exp(), dims: [d])
            return try s.log() + safeM
        }
        let out = keepDim ? kept : try kept.reshaped(droppedShape([d]))
        let (lse, keep) = (kept.detached(), keptShape([d]))
        return Tensor.record(.logsumexp, [self], out) { g in
            [try g.reshaped(keep) * (x - lse).exp()]
        }
    }
}
