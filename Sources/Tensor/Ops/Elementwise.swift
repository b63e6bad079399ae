/// Elementwise ops: broadcasting `+ - * /` (throwing operators), scalar arithmetic, neg, pow, exp,
/// log, sqrt, tanh, relu, gelu (exact erf), sigmoid. Forward and backward of each op side by side.
import CTensorKernels
#if canImport(Glibc)
import Glibc
#endif

protocol BinaryFn {
    static func v(_ a: V16, _ b: V16) -> V16
    static func s(_ a: Float, _ b: Float) -> Float
}
enum AddFn: BinaryFn {
    @inline(__always) static func v(_ a: V16, _ b: V16) -> V16 { a + b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a + b }
}
enum SubFn: BinaryFn {
    @inline(__always) static func v(_ a: V16, _ b: V16) -> V16 { a - b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a - b }
}
enum MulFn: BinaryFn {
    @inline(__always) static func v(_ a: V16, _ b: V16) -> V16 { a * b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a * b }
}
enum DivFn: BinaryFn {
    @inline(__always) static func v(_ a: V16, _ b: V16) -> V16 { a / b }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a / b }
}
/// 1 where a == b else 0 (max backward).
enum EqFn: BinaryFn {
    @inline(__always) static func v(_ a: V16, _ b: V16) -> V16 { V16(repeating: 0).replacing(with: 1, where: a .== b) }
    @inline(__always) static func s(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 }
}

protocol UnaryFn { static func v(_ x: V16) -> V16; static func s(_ x: Float) -> Float }

enum Elementwise {
    /// out = F(a, b) with NumPy broadcasting.
    static func binary<F: BinaryFn>(_ f: F.Type, _ a: Tensor, _ b: Tensor, op: String) throws -> Tensor {
        let shape = try Shape.broadcast(a.shape, b.shape, op: op)
        let out = Tensor(uninitialized: shape)
        let layout = StridedLayout(shape: shape, strides: [
            Shape.strides(shape), Shape.broadcastStrides(a.shape, to: shape), Shape.broadcastStrides(b.shape, to: shape),
        ])
        let pa = a.base, pb = b.base, po = out.base
        let n = layout.inner, sa = layout.innerStride(1), sb = layout.innerStride(2)
        if layout.rows == 1 {
            Parallel.forEach(n, grain: 32768) { r in
                row(f, pa + sa * r.lowerBound, sa, pb + sb * r.lowerBound, sb, po + r.lowerBound, r.count)
            }
        } else {
            Parallel.forEach(layout.rows, grain: max(1, 32768 / n)) { range in
                layout.forEachRow(range) { _, off in row(f, pa + off[1], sa, pb + off[2], sb, po + off[0], n) }
            }
        }
        return out
    }

    @inline(__always)
    static func row<F: BinaryFn>(_ f: F.Type, _ a: UnsafeMutablePointer<Float>, _ sa: Int,
                                 _ b: UnsafeMutablePointer<Float>, _ sb: Int,
                                 _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        if sa == 1 && sb == 1 {
            while i + 16 <= n { o.store16(F.v(a.load16(i), b.load16(i)), i); i += 16 }
            while i < n { o[i] = F.s(a[i], b[i]); i += 1 }
        } else if sa == 1 && sb == 0 {
            let bv = V16(repeating: b[0])
            while i + 16 <= n { o.store16(F.v(a.load16(i), bv), i); i += 16 }
            while i < n { o[i] = F.s(a[i], b[0]); i += 1 }
        } else if sa == 0 && sb == 1 {
            let av = V16(repeating: a[0])
            while i + 16 <= n { o.store16(F.v(av, b.load16(i)), i); i += 16 }
            while i < n { o[i] = F.s(a[0], b[i]); i += 1 }
        } else {
            while i < n { o[i] = F.s(a[i * sa], b[i * sb]); i += 1 }
        }
    }

    /// out = F(x), contiguous.
    static func unary<F: UnaryFn>(_ f: F.Type, _ x: Tensor) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let px = x.base, po = out.base
        Parallel.forEach(x.count, grain: 32768) { r in
            var i = r.lowerBound
            while i + 16 <= r.upperBound { po.store16(F.v(px.load16(i)), i); i += 16 }
            while i < r.upperBound { po[i] = F.s(px[i]); i += 1 }
        }
        return out
    }

    /// out = kernel(x) with a CTensorKernels kernel (exp, gelu), contiguous, split across cores.
    static func cUnary(_ x: Tensor, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let (px, po) = (x.base, out.base)
        Parallel.forEach(x.count, grain: 32768) { r in kernel(px + r.lowerBound, po + r.lowerBound, r.count) }
        return out
    }

    /// out = kernel(a, b) for two contiguous tensors of one shape (gelu backward).
    static func cBinary(_ a: Tensor, _ b: Tensor,
                        _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        precondition(a.shape == b.shape, "cBinary needs equal shapes, got \(a.shape) and \(b.shape)")
        let out = Tensor(uninitialized: a.shape)
        let (pa, pb, po) = (a.base, b.base, out.base)
        Parallel.forEach(a.count, grain: 32768) { r in kernel(pa + r.lowerBound, pb + r.lowerBound, po + r.lowerBound, r.count) }
        return out
    }

    /// out[i] = body(x[i]) for ops without a vector kernel (log, general pow).
    static func map(_ x: Tensor, _ body: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let (px, po) = (x.base, out.base)
        Parallel.forEach(x.count, grain: 16384) { r in for i in r { po[i] = body(px[i]) } }
        return out
    }
}

// MARK: - Broadcasting arithmetic

extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(AddFn.self, a, b, op: "add")
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)  // the closure keeps no input alive
        return record(.add, [a, b], out) { g in
            [ta ? try g.sumTo(sa) : nil, tb ? try g.sumTo(sb) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(SubFn.self, a, b, op: "sub")
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)
        return record(.sub, [a, b], out) { g in
            [ta ? try g.sumTo(sa) : nil, tb ? try (-g).sumTo(sb) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(MulFn.self, a, b, op: "mul")
        let (ad, bd) = (a.detached(), b.detached())
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)
        return record(.mul, [a, b], out) { g in
            [ta ? try (g * bd).sumTo(sa) : nil, tb ? try (g * ad).sumTo(sb) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(DivFn.self, a, b, op: "div")
        let (bd, od) = (b.detached(), out.detached())
        let (ta, tb, sa, sb) = (a.tracksGrad, b.tracksGrad, a.shape, b.shape)
        return record(.div, [a, b], out) { g in
            let ga = try g / bd  // d(a/b)/da = 1/b ; d(a/b)/db = -(a/b)/b
            return [ta ? try ga.sumTo(sa) : nil, tb ? try (-(ga * od)).sumTo(sb) : nil]
        }
    }

    /// Sums a broadcast result back down to `target` (the reverse of broadcasting `target` up).
    func sumTo(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let pad = rank - target.count
        guard pad >= 0 else {
            throw TensorError.shapeMismatch(op: "sumTo", lhs: shape, rhs: target, reason: "target has higher rank")
        }
        var dims: [Int] = Array(0..<pad)
        for i in 0..<target.count where target[i] == 1 && shape[i + pad] != 1 { dims.append(i + pad) }
        return try sum(dims: dims, keepDim: true).reshaped(target)
    }

    /// 1 where equal, else 0, broadcasting (no gradient).
    func equalMask(_ other: Tensor) throws -> Tensor {
        try Elementwise.binary(EqFn.self, self, other, op: "equal")
    }
}

// MARK: - Scalar arithmetic and unary ops

private enum NegFn: UnaryFn {
    @inline(__always) static func v(_ x: V16) -> V16 { -x }
    @inline(__always) static func s(_ x: Float) -> Float { -x }
}
private enum SqrtFn: UnaryFn {
    @inline(__always) static func v(_ x: V16) -> V16 { x.squareRoot() }
    @inline(__always) static func s(_ x: Float) -> Float { x.squareRoot() }
}
private enum TanhFn: UnaryFn {
    @inline(__always) static func v(_ x: V16) -> V16 { vtanh(x) }
    @inline(__always) static func s(_ x: Float) -> Float { stanh(x) }
}
private enum SigmoidFn: UnaryFn {
    @inline(__always) static func v(_ x: V16) -> V16 { vsigmoid(x) }
    @inline(__always) static func s(_ x: Float) -> Float { ssigmoid(x) }
}
private enum ReluFn: UnaryFn {
    @inline(__always) static func v(_ x: V16) -> V16 { vmax(x, V16(repeating: 0)) }
    @inline(__always) static func s(_ x: Float) -> Float { Swift.max(x, 0) }
}
/// g * (1 - y²) for y = tanh(x).
private enum TanhGradFn: BinaryFn {
    @inline(__always) static func v(_ y: V16, _ g: V16) -> V16 { g * (1 - y * y) }
    @inline(__always) static func s(_ y: Float, _ g: Float) -> Float { g * (1 - y * y) }
}
/// g * y (1 - y) for y = sigmoid(x).
private enum SigmoidGradFn: BinaryFn {
    @inline(__always) static func v(_ y: V16, _ g: V16) -> V16 { g * y * (1 - y) }
    @inline(__always) static func s(_ y: Float, _ g: Float) -> Float { g * y * (1 - y) }
}
/// g where x > 0 else 0.
private enum ReluGradFn: BinaryFn {
    @inline(__always) static func v(_ x: V16, _ g: V16) -> V16 { V16(repeating: 0).replacing(with: g, where: x .> 0) }
    @inline(__always) static func s(_ x: Float, _ g: Float) -> Float { x > 0 ? g : 0 }
}

extension Tensor {
    public static prefix func - (a: Tensor) -> Tensor {
        record(.neg, [a], Elementwise.unary(NegFn.self, a)) { g in [-g] }
    }

    /// a + s (tensor-scalar arithmetic cannot fail).
    public func adding(_ s: Float) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let (px, po) = (base, out.base)
        Parallel.forEach(count, grain: 65536) { r in for i in r { po[i] = px[i] + s } }
        return Tensor.record(.addScalar, [self], out) { g in [g] }
    }

    /// a * s.
    public func multiplying(_ s: Float) -> Tensor {
        let out = Tensor(uninitialized: shape)
        let (px, po) = (base, out.base)
        Parallel.forEach(count, grain: 65536) { r in for i in r { po[i] = px[i] * s } }
        return Tensor.record(.mulScalar, [self], out) { g in [g.multiplying(s)] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.adding(s) }
    public static func + (s: Float, a: Tensor) -> Tensor { a.adding(s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.adding(-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { (-a).adding(s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.multiplying(s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.multiplying(s) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.multiplying(1 / s) }

    /// x^p elementwise for a scalar exponent.
    public func pow(_ p: Float) -> Tensor {
        let out: Tensor
        switch p {
        case 1: out = copied()
        case 2: out = Elementwise.map(self) { $0 * $0 }
        case 0.5: out = Elementwise.unary(SqrtFn.self, self)
        case -1: out = Elementwise.map(self) { 1 / $0 }
        default: out = Elementwise.map(self) { powf($0, p) }
        }
        let x = detached()
        return Tensor.record(.pow, [self], out) { g in [try g * x.pow(p - 1).multiplying(p)] }
    }

    public func exp() -> Tensor {
        let out = Elementwise.cUnary(self) { rt_exp($0, $1, $2) }
        let y = out.detached()
        return Tensor.record(.exp, [self], out) { g in [try g * y] }
    }

    /// Natural log (log(0) = -inf, log(x < 0) = nan, as IEEE).
    public func log() -> Tensor {
        let out = Elementwise.map(self) { logf($0) }
        let x = detached()
        return Tensor.record(.log, [self], out) { g in [try g / x] }
    }

    public func sqrt() -> Tensor {
        let out = Elementwise.unary(SqrtFn.self, self)
        let y = out.detached()
        return Tensor.record(.sqrt, [self], out) { g in [try g / y.multiplying(2)] }
    }

    public func tanh() -> Tensor {
        let out = Elementwise.unary(TanhFn.self, self)
        let y = out.detached()
        return Tensor.record(.tanh, [self], out) { g in [try Elementwise.binary(TanhGradFn.self, y, g, op: "tanh")] }
    }

    public func sigmoid() -> Tensor {
        let out = Elementwise.unary(SigmoidFn.self, self)
        let y = out.detached()
        return Tensor.record(.sigmoid, [self], out) { g in [try Elementwise.binary(SigmoidGradFn.self, y, g, op: "sigmoid")] }
    }

    public func relu() -> Tensor {
        let x = detached()
        return Tensor.record(.relu, [self], Elementwise.unary(ReluFn.self, self)) { g in
            [try Elementwise.binary(ReluGradFn.self, x, g, op: "relu")]
        }
    }

    /// Exact GELU, x Φ(x) with the erf form (PyTorch `gelu(approximate='none')`, HF "gelu");
    /// gelu'(x) = Φ(x) + x φ(x). Kernels: CTensorKernels `rt_gelu` / `rt_gelu_grad`.
    public func gelu() -> Tensor {
        let x = detached()
        return Tensor.record(.gelu, [self], Elementwise.cUnary(self) { rt_gelu($0, $1, $2) }) { g in
            [Elementwise.cBinary(x, g) { rt_gelu_grad($0, $1, $2, $3) }]
        }
    }
}

extension Elementwise {
    /// x = exp(x) in place on a tensor the caller just allocated.
    static func expInPlace(_ x: Tensor) {
        let p = x.base
        Parallel.forEach(x.count, grain: 32768) { r in rt_exp(p + r.lowerBound, p + r.lowerBound, r.count) }
    }
}
