/// Shape and layout ops: reshape (a view sharing storage), permute/transpose, expand (broadcast copy),
/// slice/split, concat. Matmul takes transpose flags, so most transposes never materialise.

extension Tensor {
    /// Resolves one `-1` entry of `newShape` against `count` elements.
    static func resolve(_ newShape: [Int], count: Int, from shape: [Int]) throws -> [Int] {
        var s = newShape
        let unknown = s.indices.filter { s[$0] == -1 }
        guard unknown.count <= 1, s.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidShape(op: "reshape", shape: newShape, reason: "at most one -1 and no other negative sizes")
        }
        if let u = unknown.first {
            let known = s.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape, reason: "cannot infer the -1 size")
            }
            s[u] = count / known
        }
        guard Shape.count(s) == count else {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: newShape,
                                            reason: "\(count) elements cannot take shape \(s)")
        }
        return s
    }

    /// Same elements with a new shape (one entry may be -1). Shares storage: no copy.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let s = try Tensor.resolve(newShape, count: count, from: shape)
        let inShape = shape
        return Tensor.record(.reshape, [self], Tensor(shape: s, storage: storage)) { g in [try g.reshaped(inShape)] }
    }

    /// Inserts a size-1 dimension at `dim` (view).
    public func unsqueezed(dim: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim < 0 ? dim + 1 : dim, rank: rank + 1, op: "unsqueeze")
        var s = shape
        s.insert(1, at: d)
        return try reshaped(s)
    }

    /// Removes a size-1 dimension (view).
    public func squeezed(dim: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "squeeze")
        guard shape[d] == 1 else {
            throw TensorError.invalidShape(op: "squeeze", shape: shape, reason: "dimension \(dim) has size \(shape[d]), not 1")
        }
        var s = shape
        s.remove(at: d)
        return try reshaped(s)
    }

    /// Dimensions reordered: result dim i is input dim `order[i]` (copies).
    public func permuted(_ order: [Int]) throws -> Tensor {
        let perm = try order.map { try Shape.normalize(dim: $0, rank: rank, op: "permute") }
        guard perm.count == rank, Set(perm).count == rank else {
            throw TensorError.invalidArgument(op: "permute", reason: "\(order) is not a permutation of \(rank) dims for shape \(shape)")
        }
        if perm == Array(0..<rank) { return try reshaped(shape) }
        let outShape = perm.map { shape[$0] }
        let st = Shape.strides(shape)
        let out = Tensor(uninitialized: outShape)
        StridedCopy.copy(base, strides: perm.map { st[$0] }, shape: outShape, into: out.base)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return Tensor.record(.permute, [self], out) { g in [try g.permuted(inverse)] }
    }

    /// Swaps two dimensions (copies; prefer matmul's transpose flags for products).
    public func transposed(_ d0: Int = -2, _ d1: Int = -1) throws -> Tensor {
        let a = try Shape.normalize(dim: d0, rank: rank, op: "transpose")
        let b = try Shape.normalize(dim: d1, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return try permuted(order)
    }

    /// Broadcast copy to `target` (NumPy rules: this shape must broadcast to `target`).
    public func expanded(to target: [Int]) throws -> Tensor {
        guard try Shape.broadcast(shape, target, op: "expand") == target else {
            throw TensorError.shapeMismatch(op: "expand", lhs: shape, rhs: target, reason: "cannot expand to target")
        }
        if target == shape { return try reshaped(shape) }
        let out = Tensor(uninitialized: target)
        StridedCopy.copy(base, strides: Shape.broadcastStrides(shape, to: target), shape: target, into: out.base)
        let inShape = shape
        return Tensor.record(.expand, [self], out) { g in [try g.sumTo(inShape)] }
    }

    /// Elements `start..<end` along `dim` (negative bounds count from the end). Copies.
    public func slice(dim: Int, start: Int, end: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "slice")
        let n = shape[d]
        let lo = start < 0 ? start + n : start, hi = end < 0 ? end + n : end
        guard 0 <= lo, lo <= hi, hi <= n else {
            throw TensorError.invalidArgument(op: "slice", reason: "range \(start)..<\(end) invalid for dim \(dim) of size \(n) in \(shape)")
        }
        let (outer, _, inner) = Shape.split(shape, at: d)
        var outShape = shape
        outShape[d] = hi - lo
        let out = Tensor(uninitialized: outShape)
        let run = (hi - lo) * inner
        let (src, dst) = (base, out.base)
        Parallel.forEach(outer, grain: Swift.max(1, 65536 / Swift.max(run, 1))) { r in
            for o in r { (dst + o * run).update(from: src + (o * n + lo) * inner, count: run) }
        }
        let inShape = shape
        return Tensor.record(.slice, [self], out) { g in
            let gx = Tensor.filled(inShape, 0)
            for o in 0..<outer { (gx.base + (o * n + lo) * inner).update(from: g.base + o * run, count: run) }
            return [gx]
        }
    }

    /// Consecutive pieces along `dim` with the given sizes (must sum to the dim's size).
    public func split(sizes: [Int], dim: Int) throws -> [Tensor] {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[d] else {
            throw TensorError.invalidArgument(op: "split", reason: "sizes \(sizes) do not sum to \(shape[d]) (dim \(dim) of \(shape))")
        }
        var start = 0
        return try sizes.map { size in
            defer { start += size }
            return try slice(dim: d, start: start, end: start + size)
        }
    }

    /// Pieces of `size` along `dim` (the last may be smaller), like `torch.split(t, size, dim)`.
    public func split(size: Int, dim: Int) throws -> [Tensor] {
        guard size > 0 else { throw TensorError.invalidArgument(op: "split", reason: "size must be positive, got \(size)") }
        let n = shape[try Shape.normalize(dim: dim, rank: rank, op: "split")]
        return try split(sizes: stride(from: 0, to: n, by: size).map { Swift.min(size, n - $0) }, dim: dim)
    }

    /// Joins tensors along `dim`; all other dims must agree.
    public static func concat(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError.invalidArgument(op: "concat", reason: "no tensors") }
        let d = try Shape.normalize(dim: dim, rank: first.rank, op: "concat")
        for t in tensors {
            var a = t.shape, b = first.shape
            guard a.count == b.count else {
                throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: t.shape, reason: "ranks differ")
            }
            a[d] = 0; b[d] = 0
            guard a == b else {
                throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: t.shape, reason: "only dim \(dim) may differ")
            }
        }
        let (outer, _, inner) = Shape.split(first.shape, at: d)
        var outShape = first.shape
        outShape[d] = tensors.reduce(0) { $0 + $1.shape[d] }
        let out = Tensor(uninitialized: outShape)
        let total = outShape[d] * inner
        var offset = 0
        for t in tensors {
            let run = t.shape[d] * inner
            for o in 0..<outer { (out.base + o * total + offset).update(from: t.base + o * run, count: run) }
            offset += run
        }
        let sizes = tensors.map { $0.shape[d] }
        return record(.concat, tensors, out) { g in try g.split(sizes: sizes, dim: d).map { $0 } }
    }
}
