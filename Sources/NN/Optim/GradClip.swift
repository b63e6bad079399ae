import Tensor

/// Gradient clipping by global L2 norm, torch's `clip_grad_norm_` (rag-end2end-retriever `lightning_base.py` accumulation/clipping).
public enum GradClip {
    /// The global L2 norm over every present gradient (parameters without `.grad` are ignored), and the
    /// coefficient `min(1, maxNorm / (G + 1e-6))` every gradient was multiplied by (in place; like torch,
    /// also when it is 1). Like torch, the norm is the norm of the per-tensor norms, in float32.
    @discardableResult
    public static func clip(_ parameters: [Tensor], maxNorm: Double) throws -> (totalNorm: Float, coefficient: Float) {
        guard maxNorm > 0 else { throw OptimError.invalid("clip: max norm \(maxNorm) must be > 0") }
        let total = totalNorm(parameters)
        guard total.isFinite else {
            throw OptimError.invalid("clip: the total gradient norm is \(total) (non-finite gradients)")
        }
        let coef = Swift.min(Float(1), Float(maxNorm) / (total + 1e-6))
        for p in parameters {
            p.grad?.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= coef } }
        }
        return (total, coef)
    }

    /// `‖(‖g_1‖, ‖g_2‖, …)‖₂` over the present gradients; per-tensor sums of squares in Double.
    public static func totalNorm(_ parameters: [Tensor]) -> Float {
        var sq: Float = 0
        for p in parameters {
            guard let g = p.grad else { continue }
            let n = Float(sumOfSquares(g).squareRoot())
            sq += n * n
        }
        return sq.squareRoot()
    }

    /// Σ x² in Double with 8 SIMD lanes (float squares are exact in Double).
    static func sumOfSquares(_ t: Tensor) -> Double {
        t.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return 0 }
            var acc = SIMD8<Double>(repeating: 0)
            var i = 0
            while i + 8 <= b.count {
                let x = SIMD8<Double>(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self))
                acc += x * x
                i += 8
            }
            var s = acc.sum()
            while i < b.count { s += Double(b[i]) * Double(b[i]); i += 1 }
            return s
        }
    }
}

/// Gradient accumulation over `steps` micro-batches (rag-end2end-retriever `lightning_base.py` accumulation/clipping): each micro-batch loss is scaled by
/// `1/steps` before backward; the optimizer steps after every `steps`-th micro-batch, and at the end of an
/// epoch with whatever has accumulated (as Lightning does).
///
///     var acc = try GradientAccumulation(steps: 8)
///     try (loss * acc.lossScale).backward()
///     if acc.microBatchDone(lastOfEpoch: isLast) { clip; step; zeroGrad }
public struct GradientAccumulation: Codable, Equatable, Sendable {
    public let steps: Int
    /// Micro-batches accumulated since the last optimizer step.
    public private(set) var pending: Int = 0

    public init(steps: Int) throws {
        guard steps >= 1 else { throw OptimError.invalid("gradient accumulation steps must be >= 1, got \(steps)") }
        self.steps = steps
    }

    public var lossScale: Float { 1 / Float(steps) }

    /// Records one micro-batch; true when the optimizer should step now (then the count restarts).
    public mutating func microBatchDone(lastOfEpoch: Bool = false) -> Bool {
        pending += 1
        guard pending >= steps || lastOfEpoch else { return false }
        pending = 0
        return true
    }
}
