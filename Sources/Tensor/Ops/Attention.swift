import CBLAS
import CTensorKernels

/// Fused multi-head scaled dot-product attention, `softmax(q kᵀ · scale + bias) v` per (batch, head),
/// with optional dropout on the probabilities (PyTorch `scaled_dot_product_attention` semantics,
/// transformers `BertLayer` / transformers `BartAttention` attention). Nothing of size `[B, h, Tq, Tk]` is kept: each (batch, head) item
/// computes its score block in a per-thread scratch buffer, normalises it in place and multiplies by `v`;
/// backward recomputes the block from the saved row log-sum-exp (flash-attention style). Operands are
/// read in place with BLAS leading dimensions, so no head split/merge copies are made.
///
/// Operand layouts (each of q, k, v independently): token layout `[B, T, h·dh]` (a linear layer's output)
/// or head layout `[B, h, T, dh]`. The result is always token layout `[B, Tq, h·dh]`.
struct HeadMatrices {
    let base: UnsafeMutablePointer<Float>
    let batchStride: Int, headStride: Int, ld: Int
    let rows: Int, batch: Int, width: Int

    /// Reads `t` as `batch × heads` matrices of `rows × (width / heads)`.
    init(_ t: Tensor, heads: Int, name: String) throws {
        switch t.rank {
        case 3:
            (batch, rows, width) = (t.shape[0], t.shape[1], t.shape[2])
            guard width % heads == 0 else {
                throw TensorError.invalidShape(op: "attention", shape: t.shape, reason: "\(name) width \(width) is not divisible by \(heads) heads")
            }
            (batchStride, headStride, ld) = (rows * width, width / heads, width)
        case 4:
            guard t.shape[1] == heads else {
                throw TensorError.invalidShape(op: "attention", shape: t.shape, reason: "\(name) in head layout [B, h, T, dh] must have \(heads) heads")
            }
            (batch, rows, width) = (t.shape[0], t.shape[2], t.shape[3] * heads)
            (batchStride, headStride, ld) = (heads * rows * t.shape[3], rows * t.shape[3], t.shape[3])
        default:
            throw TensorError.invalidShape(op: "attention", shape: t.shape, reason: "\(name) must be [B, T, h·dh] or [B, h, T, dh]")
        }
        base = t.base
    }

    /// Same layout over another storage (a gradient shaped like the operand).
    init(_ layout: HeadMatrices, base: UnsafeMutablePointer<Float>) {
        self.base = base
        (batchStride, headStride, ld, rows, batch, width) = (layout.batchStride, layout.headStride, layout.ld, layout.rows, layout.batch, layout.width)
    }

    @inline(__always) func at(_ b: Int, _ h: Int) -> UnsafeMutablePointer<Float> { base + b * batchStride + h * headStride }
}

/// One attention problem: sizes, operands, bias strides and the dropout mask.
struct AttentionProblem: @unchecked Sendable {
    let q: HeadMatrices, k: HeadMatrices, v: HeadMatrices
    let batch: Int, heads: Int, tq: Int, tk: Int, dh: Int
    let scale: Float
    /// Bias broadcast to `[B, h, Tq, Tk]`: base and element strides (0 on broadcast dims).
    let bias: UnsafeMutablePointer<Float>?
    let biasStrides: [Int]
    /// `[B, h, Tq, Tk]` 1 = keep, 0 = dropped (nil without dropout); kept values are scaled by `keep`.
    let mask: UnsafeMutablePointer<UInt8>?
    let keep: Float
    /// The products in bfloat16 (the forward's thread asked for it); the backward recomputes in the same.
    let bf16: Bool

    var items: Int { batch * heads }

    /// Bias row `i` of item (b, h) and its element stride (0 or 1), nil without bias.
    @inline(__always) func biasRow(b: Int, h: Int, i: Int) -> (UnsafePointer<Float>?, Int) {
        guard let bias else { return (nil, 0) }
        return (UnsafePointer(bias + b * biasStrides[0] + h * biasStrides[1] + i * biasStrides[2]), biasStrides[3])
    }

    /// Forward of one item: out rows (token layout, ld = h·dh) and the row log-sum-exp.
    func forward(item: Int, scratch s: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>?) {
        let b = item / heads, h = item % heads
        gemmLD(bf16: bf16, false, true, m: tq, n: tk, k: dh, alpha: 1, q.at(b, h), q.ld, k.at(b, h), k.ld, s, tk)
        for i in 0..<tq {
            let (br, bs) = biasRow(b: b, h: h, i: i)
            let l = rt_attention_row(s + i * tk, tk, scale, br, bs, mask.map { UnsafePointer($0 + (item * tq + i) * tk) }, keep)
            lse?[item * tq + i] = l
        }
        let width = heads * dh
        gemmLD(bf16: bf16, false, false, m: tq, n: dh, k: tk, alpha: 1, s, tk, v.at(b, h), v.ld, out + b * tq * width + h * dh, width)
    }
}

extension Tensor {
    /// `softmax(q kᵀ · scale + bias) v` over `heads` heads, fused (see `AttentionProblem`). `bias` broadcasts
    /// to `[B, h, Tq, Tk]` (e.g. `[B, 1, 1, Tk]` padding, `[1, 1, Tq, Tk]` causal; masked entries hold float32
    /// lowest). Dropout with probability `dropout` (drawn from `generator` in `[B, h, Tq, Tk]` row-major
    /// order, as `probs.dropout(p:generator:training: true)` would) is applied to the probabilities.
    /// Returns `[B, Tq, h·dh]`.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float,
                                 bias: Tensor? = nil, dropout: Float = 0, generator: RNG? = nil) throws -> Tensor {
        guard heads > 0 else { throw TensorError.invalidArgument(op: "attention", reason: "heads must be positive, got \(heads)") }
        let q = try HeadMatrices(query, heads: heads, name: "query")
        let k = try HeadMatrices(key, heads: heads, name: "key")
        let v = try HeadMatrices(value, heads: heads, name: "value")
        guard k.batch == q.batch, v.batch == q.batch, k.width == q.width, v.width == q.width, v.rows == k.rows, k.rows > 0 else {
            throw TensorError.shapeMismatch(op: "attention", lhs: query.shape, rhs: key.shape,
                                            reason: "query \(query.shape), key \(key.shape) and value \(value.shape) must share batch and width, key/value their (non-empty) length")
        }
        guard (0..<1).contains(dropout), dropout == 0 || generator != nil else {
            throw TensorError.invalidArgument(op: "attention", reason: "dropout \(dropout) must be in [0, 1) and needs a generator when > 0")
        }
        let (b, tq, tk, dh) = (q.batch, q.rows, k.rows, q.width / heads)
        let full = [b, heads, tq, tk]
        var biasStrides = [0, 0, 0, 0]
        if let bias {
            guard bias.rank <= 4, (try? Shape.broadcast(bias.shape, full, op: "attention")) == full else {
                throw TensorError.shapeMismatch(op: "attention", lhs: bias.shape, rhs: full, reason: "bias must broadcast to [B, h, Tq, Tk]")
            }
            biasStrides = Shape.broadcastStrides(bias.shape, to: full)
        }
        var maskStorage: [UInt8]? = nil
        if dropout > 0, let generator {
            var m = [UInt8](repeating: 1, count: b * heads * tq * tk)
            for i in m.indices where generator.uniform() < dropout { m[i] = 0 }
            maskStorage = m
        }
        let out = Tensor(uninitialized: [b, tq, q.width])
        if tq == 0 { return out }
        let recording = GradMode.enabled && [query, key, value, bias].contains { $0?.tracksGrad ?? false }
        let lse = recording ? Tensor(uninitialized: [b * heads * tq]) : nil
        let maskBox = MaskBox(maskStorage)
        let problem = AttentionProblem(q: q, k: k, v: v, batch: b, heads: heads, tq: tq, tk: tk, dh: dh, scale: scale,
                                       bias: bias?.base, biasStrides: biasStrides, mask: maskBox.pointer,
                                       keep: 1 / (1 - dropout), bf16: Precision.active == .bfloat16)
        let (po, pl) = (out.base, lse?.base)
        AttentionProblem.forEachItem(problem.items) { range in
            let s = UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)
            defer { s.deallocate() }
            for item in range { problem.forward(item: item, scratch: s, out: po, lse: pl) }
        }
        guard recording, let lse else { return out }
        let inputs = [query, key, value] + (bias.map { [$0] } ?? [])
        let saved = (query.detached(), key.detached(), value.detached(), bias?.detached(), out.detached())
        let shapes = (query.shape, key.shape, value.shape, bias?.shape)
        let needs = (query.tracksGrad, key.tracksGrad, value.tracksGrad, bias?.tracksGrad ?? false)
        return record(.attention, inputs, out) { g in
            withExtendedLifetime(saved) {}  // the operands' storage backs the problem's pointers
            return try problem.backward(g: g, out: saved.4, lse: lse, maskOwner: maskBox, shapes: shapes, needs: needs)
        }
    }
}

/// Owns the dropout mask bytes for the problem's raw pointer (freed with the tape node).
final class MaskBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt8>?
    let count: Int
    init(_ bytes: [UInt8]?) {
        count = bytes?.count ?? 0
        if let bytes {
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(bytes.count, 1))
            p.initialize(from: bytes, count: bytes.count)
            pointer = p
        } else {
            pointer = nil
        }
    }
    deinit { pointer?.deallocate() }
}

extension AttentionProblem {
    /// Runs `body` over chunks of the (batch, head) items on all workers, BLAS single-threaded inside.
    static func forEachItem(_ items: Int, _ body: (Range<Int>) -> Void) {
        if items > 1 && Parallel.threadCount > 1 {
            Parallel.withSingleThreadedBLAS { Parallel.forEach(items, grain: 1, body) }
        } else if items > 0 {
            body(0..<items)
        }
    }

    /// Gradients for (query, key, value, bias), each shaped like its operand (nil where not needed).
    func backward(g: Tensor, out: Tensor, lse: Tensor, maskOwner: MaskBox, shapes: ([Int], [Int], [Int], [Int]?),
                  needs: (Bool, Bool, Bool, Bool)) throws -> [Tensor?] {
        let gq = needs.0 ? Tensor(uninitialized: shapes.0) : nil
        let gk = needs.1 ? Tensor(uninitialized: shapes.1) : nil
        let gv = needs.2 ? Tensor(uninitialized: shapes.2) : nil
        let gBiasFull = needs.3 ? Tensor(uninitialized: [batch, heads, tq, tk]) : nil
        let lq = gq.map { HeadMatrices(q, base: $0.base) }, lk = gk.map { HeadMatrices(k, base: $0.base) }
        let lv = gv.map { HeadMatrices(v, base: $0.base) }
        let (pg, po, pl, pb) = (g.base, out.base, lse.base, gBiasFull?.base)
        let width = heads * dh
        withExtendedLifetime(maskOwner) {}  // owns `mask`'s bytes
        AttentionProblem.forEachItem(items) { range in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)
            defer { p.deallocate(); ds.deallocate() }
            for item in range {
                let b = item / heads, h = item % heads
                let gRows = pg + b * tq * width + h * dh, oRows = po + b * tq * width + h * dh
                // P = exp(q kᵀ·scale + bias − lse) (the forward's probabilities, before dropout).
                gemmLD(bf16: bf16, false, true, m: tq, n: tk, k: dh, alpha: 1, q.at(b, h), q.ld, k.at(b, h), k.ld, p, tk)
                // dPd = dO vᵀ (gradient of the dropped probabilities).
                gemmLD(bf16: bf16, false, true, m: tq, n: tk, k: dh, alpha: 1, gRows, width, v.at(b, h), v.ld, ds, tk)
                for i in 0..<tq {
                    let (br, bs) = biasRow(b: b, h: h, i: i)
                    rt_attention_row_recompute(p + i * tk, tk, scale, br, bs, pl[item * tq + i])
                    // D_i = dO_i · O_i = Σ_j Pd_ij dPd_ij.
                    let d = rt_dot(gRows + i * width, oRows + i * width, dh)
                    rt_attention_row_grad(p + i * tk, ds + i * tk, tk, d, mask.map { UnsafePointer($0 + (item * tq + i) * tk) }, keep)
                }
                // ds = dS' (gradient of the biased, scaled scores); p = Pd.
                if let pb { (pb + item * tq * tk).update(from: ds, count: tq * tk) }
                if let lq { gemmLD(bf16: bf16, false, false, m: tq, n: dh, k: tk, alpha: scale, ds, tk, k.at(b, h), k.ld, lq.at(b, h), lq.ld) }
                if let lk { gemmLD(bf16: bf16, true, false, m: tk, n: dh, k: tq, alpha: scale, ds, tk, q.at(b, h), q.ld, lk.at(b, h), lk.ld) }
                if let lv { gemmLD(bf16: bf16, true, false, m: tk, n: dh, k: tq, alpha: 1, p, tk, gRows, width, lv.at(b, h), lv.ld) }
            }
        }
        var gBias: Tensor? = nil
        if let gBiasFull, let biasShape = shapes.3 { gBias = try gBiasFull.sumTo(biasShape) }
        return [gq, gk, gv] + (shapes.3 != nil ? [gBias] : [])
    }
}
