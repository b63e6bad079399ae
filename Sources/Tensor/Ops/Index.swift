/// Integer-indexed ops: embedding (row gather with scatter-add backward), indexSelect, gather,
/// maskedFill, where, argmax and topK (no gradient). Masks are `IntTensor`s, nonzero = true.

extension Tensor {
    /// Rows of `weight: [V, D]` picked by `ids` (any shape) -> `ids.shape + [D]`.
    public static func embedding(weight: Tensor, ids: IntTensor) throws -> Tensor {
        guard weight.rank == 2 else {
            throw TensorError.invalidShape(op: "embedding", shape: weight.shape, reason: "weight must be [vocab, dim]")
        }
        return try weight.indexSelect(dim: 0, index: ids, opName: "embedding")
    }

    /// Slices of this tensor along `dim` at `index` (1-D; or any shape for dim 0 as in embedding).
    public func indexSelect(dim: Int, index: IntTensor) throws -> Tensor {
        guard index.shape.count == 1 else {
            throw TensorError.invalidShape(op: "indexSelect", shape: index.shape, reason: "index must be 1-D")
        }
        let d = try Shape.normalize(dim: dim, rank: rank, op: "indexSelect")
        return try indexSelect(dim: d, index: index, opName: "indexSelect")
    }

    private func indexSelect(dim d: Int, index: IntTensor, opName: String) throws -> Tensor {
        for i in index.scalars where i < 0 || i >= shape[d] {
            throw TensorError.indexOutOfRange(op: opName, index: i, size: shape[d])
        }
        let (outer, n, inner) = Shape.split(shape, at: d)
        var outShape = Array(shape[..<d]) + index.shape + Array(shape[(d + 1)...])
        if rank == 0 { outShape = index.shape }
        let k = index.count
        let out = Tensor(uninitialized: outShape)
        let (src, dst, ids) = (base, out.base, index.scalars)
        Parallel.forEach(outer * k, grain: Swift.max(1, 32768 / Swift.max(inner, 1))) { r in
            for t in r {
                let o = t / k, j = t % k
                (dst + t * inner).update(from: src + (o * n + ids[j]) * inner, count: inner)
            }
        }
        let inShape = shape
        let op: Op = opName == "embedding" ? .embedding : .indexSelect
        return Tensor.record(op, [self], out) { g in
            // Scatter-add: repeated ids accumulate. Sequential over ids per outer row (no races).
            let gx = Tensor.filled(inShape, 0)
            Parallel.forEach(outer, grain: 1) { r in
                for o in r {
                    for j in 0..<k {
                        let dstRow = gx.base + (o * n + ids[j]) * inner, srcRow = g.base + (o * k + j) * inner
                        var i = 0
                        while i + 16 <= inner { dstRow.store16(dstRow.load16(i) + srcRow.load16(i), i); i += 16 }
                        while i < inner { dstRow[i] += srcRow[i]; i += 1 }
                    }
                }
            }
            return [gx]
        }
    }

    /// `out[i][j][k] = self[i][index[i][j][k]][k]` for dim 1 (torch.gather): index has this tensor's
    /// rank, and every index dim except `dim` must not exceed this tensor's.
    public func gather(dim: Int, index: IntTensor) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "gather")
        guard index.shape.count == rank,
              zip(index.shape, shape).enumerated().allSatisfy({ $0.offset == d || $0.element.0 <= $0.element.1 }) else {
            throw TensorError.shapeMismatch(op: "gather", lhs: shape, rhs: index.shape, reason: "index must have the same rank and no larger dims except \(dim)")
        }
        let inStrides = Shape.strides(shape), outStrides = Shape.strides(index.shape)
        var offsets = [Int](repeating: 0, count: index.count)
        for (flat, idx) in index.scalars.enumerated() {
            guard idx >= 0 && idx < shape[d] else { throw TensorError.indexOutOfRange(op: "gather", index: idx, size: shape[d]) }
            var rest = flat, off = 0
            for a in 0..<rank {
                let c = rest / outStrides[a]
                rest %= outStrides[a]
                off += (a == d ? idx : c) * inStrides[a]
            }
            offsets[flat] = off
        }
        let out = Tensor(uninitialized: index.shape)
        for (i, off) in offsets.enumerated() { out.base[i] = base[off] }
        let inShape = shape
        return Tensor.record(.gather, [self], out) { g in
            let gx = Tensor.filled(inShape, 0)
            for (i, off) in offsets.enumerated() { gx.base[off] += g.base[i] }
            return [gx]
        }
    }

    /// Elements where `mask` (broadcast to this shape) is nonzero replaced by `value`.
    public func maskedFill(_ mask: IntTensor, value: Float) throws -> Tensor {
        let m = try Tensor.selectMask(mask, to: shape, op: "maskedFill")
        let out = Tensor(uninitialized: shape)
        for i in 0..<count { out.base[i] = m[i] ? value : base[i] }
        return Tensor.record(.maskedFill, [self], out) { g in
            let gx = Tensor(uninitialized: g.shape)
            for i in 0..<g.count { gx.base[i] = m[i] ? 0 : g.base[i] }
            return [gx]
        }
    }

    /// `condition ? a : b` elementwise, all three broadcast together.
    public static func `where`(_ condition: IntTensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shape.broadcast(try Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let m = try selectMask(condition, to: shape, op: "where")
        let (ae, be) = try withNoGrad { (try a.expanded(to: shape), try b.expanded(to: shape)) }
        let out = Tensor(uninitialized: shape)
        for i in 0..<out.count { out.base[i] = m[i] ? ae.base[i] : be.base[i] }
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)
        return record(.where, [a, b], out) { g in
            let ga = Tensor(uninitialized: shape), gb = Tensor(uninitialized: shape)
            for i in 0..<g.count {
                ga.base[i] = m[i] ? g.base[i] : 0
                gb.base[i] = m[i] ? 0 : g.base[i]
            }
            return [ta ? try ga.sumTo(sa) : nil, tb ? try gb.sumTo(sb) : nil]
        }
    }

    /// `mask` broadcast to `shape` as a flat Bool array.
    static func selectMask(_ mask: IntTensor, to shape: [Int], op: String) throws -> [Bool] {
        guard try Shape.broadcast(mask.shape, shape, op: op) == shape else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: mask.shape, reason: "mask must broadcast to the tensor's shape")
        }
        let asFloat = Tensor(mask)
        let expanded = Tensor(uninitialized: shape)
        StridedCopy.copy(asFloat.base, strides: Shape.broadcastStrides(mask.shape, to: shape), shape: shape, into: expanded.base)
        return (0..<expanded.count).map { expanded.base[$0] != 0 }
    }

    /// Index of the largest element along `dim` (first on ties). No gradient.
    public func argmax(dim: Int = -1) throws -> IntTensor {
        let r = try topK(1, dim: dim)
        var s = r.indices.shape
        s.remove(at: try Shape.normalize(dim: dim, rank: rank, op: "argmax"))
        return try IntTensor(shape: s, scalars: r.indices.scalars)
    }

    /// The `k` largest elements along `dim`, sorted descending (ties: lower index first), with their
    /// indices. No gradient (the result is not recorded).
    public func topK(_ k: Int, dim: Int = -1) throws -> (values: Tensor, indices: IntTensor) {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "topK")
        guard rank > 0, k >= 0, k <= shape[d] else {
            throw TensorError.invalidArgument(op: "topK", reason: "k = \(k) must be in 0...\(rank > 0 ? shape[d] : 0) for shape \(shape)")
        }
        let (outer, n, inner) = Shape.split(shape, at: d)
        var outShape = shape
        outShape[d] = k
        let values = Tensor(uninitialized: outShape)
        var indices = [Int](repeating: 0, count: outer * k * inner)
        var order = [Int](repeating: 0, count: n)
        var best = [Int]()
        best.reserveCapacity(k + 1)
        for o in 0..<outer {
            for i in 0..<inner {
                let src = base + o * n * inner + i
                // a precedes b: larger value first, lower index on ties; NaN ranks below everything.
                func precedes(_ a: Int, _ b: Int) -> Bool {
                    let (x, y) = (src[a * inner], src[b * inner])
                    if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN || (x.isNaN && y.isNaN && a < b) }
                    return x > y || (x == y && a < b)
                }
                let picked: ArraySlice<Int>
                if k == 0 {
                    picked = []
                } else if k <= 32 {
                    // Insertion into a sorted buffer of the best k: O(n) for the usual small k.
                    best.removeAll(keepingCapacity: true)
                    for j in 0..<n where best.count < k || precedes(j, best[best.count - 1]) {
                        var pos = best.count
                        while pos > 0 && precedes(j, best[pos - 1]) { pos -= 1 }
                        best.insert(j, at: pos)
                        if best.count > k { best.removeLast() }
                    }
                    picked = best[...]
                } else {
                    for j in 0..<n { order[j] = j }
                    order.sort(by: precedes)
                    picked = order[0..<k]
                }
                for (j, idx) in picked.enumerated() {
                    values.base[(o * k + j) * inner + i] = src[idx * inner]
                    indices[(o * k + j) * inner + i] = idx
                }
            }
        }
        return (values, try IntTensor(shape: outShape, scalars: indices))
    }
}
