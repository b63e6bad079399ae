/// Classification losses over the last dim: fused cross-entropy (log-softmax + NLL, with ignore
/// index and label smoothing, PyTorch semantics) and NLL on given log-probabilities.

/// How per-row losses are combined. `mean` divides by the number of non-ignored rows.
public enum Reduction: Sendable { case none, sum, mean }

#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    private static func checkTargets(_ op: String, _ input: Tensor, _ targets: IntTensor, ignoreIndex: Int) throws -> (rows: Int, classes: Int) {
        guard input.rank >= 1, targets.shape == Array(input.shape.dropLast()) else {
            throw TensorError.shapeMismatch(op: op, lhs: input.shape, rhs: targets.shape,
                                            reason: "targets must have the input's shape without the class dim")
        }
        let c = input.shape[input.rank - 1]
        for t in targets.scalars where t != ignoreIndex && (t < 0 || t >= c) {
            throw TensorError.indexOutOfRange(op: op, index: t, size: c)
        }
        return (targets.count, c)
    }

    /// Per-row weights of the upstream gradient for each reduction.
    private static func rowWeights(_ g: Tensor, rows: Int, valid: [Bool], reduction: Reduction) -> [Float] {
        let n = Float(valid.filter { $0 }.count)
        return (0..<rows).map { r in
            guard valid[r] else { return 0 }
            switch reduction {
            case .none: return g.base[r]
            case .sum: return g.base[0]
            case .mean: return g.base[0] / n
            }
        }
    }

    private static func reduce(_ losses: [Float], valid: [Bool], shape: [Int], reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: return Tensor(shape: shape, storage: { let s = Storage(count: losses.count); s.base.update(from: losses, count: losses.count); return s }())
        case .sum: return Tensor(losses.reduce(0, +))
        case .mean: return Tensor(losses.reduce(0, +) / Float(valid.filter { $0 }.count))
        }
    }

    /// Cross-entropy of `logits: [..., C]` against class ids `targets: [...]`.
    /// Rows whose target is `ignoreIndex` contribute nothing (and are not counted by `.mean`).
    /// With label smoothing ε: loss = (1-ε)(-log p_t) + ε · mean_c(-log p_c).
    public static func crossEntropy(logits: Tensor, targets: IntTensor, ignoreIndex: Int = -100,
                                    labelSmoothing: Float = 0, reduction: Reduction = .mean) throws -> Tensor {
        let (rows, c) = try checkTargets("crossEntropy", logits, targets, ignoreIndex: ignoreIndex)
        guard (0...1).contains(labelSmoothing) else {
            throw TensorError.invalidArgument(op: "crossEntropy", reason: "labelSmoothing \(labelSmoothing) not in [0, 1]")
        }
        let eps = labelSmoothing
        let probs = Tensor(uninitialized: logits.shape)  // softmax, saved for backward
        SoftmaxKernel.forward(logits.base, probs.base, rows: rows, n: c, log: true)
        let valid = targets.scalars.map { $0 != ignoreIndex }
        var losses = [Float](repeating: 0, count: rows)
        for r in 0..<rows where valid[r] {
            let lp = probs.base + r * c
            var loss = -(1 - eps) * lp[targets.scalars[r]]
            if eps > 0 { loss -= eps * RowKernels.sum(lp, c) / Float(c) }
            losses[r] = loss
        }
        Elementwise.expInPlace(probs)
        let out = reduce(losses, valid: valid, shape: targets.shape, reduction: reduction)
        let ids = targets.scalars
        return record(.crossEntropy, [logits], out) { g in
            let w = rowWeights(g, rows: rows, valid: valid, reduction: reduction)
            let gx = Tensor(uninitialized: probs.shape)
            for r in 0..<rows {
                let p = probs.base + r * c, o = gx.base + r * c
                let wr = w[r]
                for j in 0..<c { o[j] = wr * (p[j] - eps / Float(c)) }
                if valid[r] { o[ids[r]] -= wr * (1 - eps) }
            }
            return [gx]
        }
    }

    /// Negative log-likelihood of `logProbs: [..., C]` at `targets: [...]`.
    public static func nll(logProbs: Tensor, targets: IntTensor, ignoreIndex: Int = -100,
                           reduction: Reduction = .mean) throws -> Tensor {
        let (rows, c) = try checkTargets("nll", logProbs, targets, ignoreIndex: ignoreIndex)
        let valid = targets.scalars.map { $0 != ignoreIndex }
        let ids = targets.scalars
        let losses = (0..<rows).map { r in valid[r] ? -logProbs.base[r * c + ids[r]] : 0 }
        let out = reduce(losses, valid: valid, shape: targets.shape, reduction: reduction)
        let inShape = logProbs.shape
        return record(.nll, [logProbs], out) { g in
            let w = rowWeights(g, rows: rows, valid: valid, reduction: reduction)
            let gx = Tensor.filled(inShape, 0)
            for r in 0..<rows where valid[r] { gx.base[r * c + ids[r]] = -w[r] }
            return [gx]
        }
    }
}
