import Dispatch
import Tensor

/// transformers 4.x `AdamW` (rag-end2end-retriever `lightning_base.py` AdamW), the optimizer of the RAG end-to-end project.
///
/// Per parameter with a gradient, step count `t` (per parameter, starting at 1):
///
///     m ← β1·m + (1−β1)·g;   v ← β2·v + (1−β2)·g²
///     p ← p − [lr·sqrt(1−β2^t)/(1−β1^t)] · m / (sqrt(v) + eps)      (eps before bias correction)
///     p ← p − lr·wd·p                                                 (decoupled, on the updated p)
///
/// Parameters whose `.grad` is nil are skipped entirely (no state, no step count, no decay), as in the
/// reference. Weight-decay groups: a parameter whose full Hugging Face name contains any of
/// `noDecay` (default `"bias"`, `"LayerNorm.weight"`) gets decay 0 — BART's `layer_norm.weight` is decayed.
///
///     let opt = try AdamW(parameters: model.namedParameters(), learningRate: 3e-5, weightDecay: 0.001)
///     opt.learningRate = schedule.learningRate(forUpdate: k)   // before each step (LambdaLR)
///     try opt.step(); opt.zeroGrad()
public final class AdamW {
    public struct Hyperparameters: Codable, Equatable, Sendable {
        /// Base learning rate (LambdaLR's `base_lr`).
        public var learningRate: Double
        public var beta1: Double
        public var beta2: Double
        public var eps: Double
        public var weightDecay: Double
        public var noDecay: [String]
        public var correctBias: Bool

        public init(learningRate: Double = 5e-5, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                    weightDecay: Double = 0, noDecay: [String] = ["bias", "LayerNorm.weight"], correctBias: Bool = true) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.noDecay = noDecay
            self.correctBias = correctBias
        }
    }

    public let hyperparameters: Hyperparameters
    /// The optimized tensors with their full names, in the order given.
    public let parameters: [(name: String, tensor: Tensor)]
    /// Weight decay of each parameter (0 for the no-decay group).
    public let weightDecays: [Double]
    /// Learning rate of the next `step()` (a scheduler sets `base × f(k)`); starts at the base rate.
    public var learningRate: Double
    /// Adam moments (`exp_avg`, `exp_avg_sq`) per parameter; nil until its first update.
    public internal(set) var expAvg: [Tensor?]
    public internal(set) var expAvgSq: [Tensor?]
    /// Updates applied to each parameter (its `t`).
    public internal(set) var stepCounts: [Int]

    public init(parameters: [(name: String, tensor: Tensor)], _ h: Hyperparameters) throws {
        var names = Set<String>(), ids = Set<ObjectIdentifier>()
        for (n, t) in parameters {
            guard names.insert(n).inserted else { throw OptimError.invalid("AdamW: parameter name \(n) given twice") }
            guard ids.insert(ObjectIdentifier(t)).inserted else { throw OptimError.invalid("AdamW: tensor of \(n) given twice (tied weights must be listed once)") }
        }
        guard h.learningRate >= 0, h.eps >= 0, h.weightDecay >= 0 else {
            throw OptimError.invalid("AdamW: learning rate \(h.learningRate), eps \(h.eps) and weight decay \(h.weightDecay) must be >= 0")
        }
        guard (0..<1).contains(h.beta1), (0..<1).contains(h.beta2) else {
            throw OptimError.invalid("AdamW: betas (\(h.beta1), \(h.beta2)) must be in [0, 1)")
        }
        hyperparameters = h
        self.parameters = parameters
        weightDecays = parameters.map { p in h.noDecay.contains(where: { p.name.contains($0) }) ? 0 : h.weightDecay }
        learningRate = h.learningRate
        expAvg = Array(repeating: nil, count: parameters.count)
        expAvgSq = Array(repeating: nil, count: parameters.count)
        stepCounts = Array(repeating: 0, count: parameters.count)
    }

    public convenience init(parameters: [(name: String, tensor: Tensor)], learningRate: Double = 5e-5,
                            betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                            noDecay: [String] = ["bias", "LayerNorm.weight"]) throws {
        try self.init(parameters: parameters, Hyperparameters(learningRate: learningRate, beta1: betas.0, beta2: betas.1,
                                                              eps: eps, weightDecay: weightDecay, noDecay: noDecay))
    }

    /// Names of the parameters that get weight decay / that do not.
    public var decayedNames: [String] { zip(parameters, weightDecays).filter { $0.1 > 0 }.map(\.0.name) }
    public var undecayedNames: [String] { zip(parameters, weightDecays).filter { $0.1 == 0 }.map(\.0.name) }

    /// One update of every parameter that has a gradient, at `learningRate`.
    public func step() throws {
        let h = hyperparameters
        for (i, p) in parameters.enumerated() {
            guard let g = p.tensor.grad else { continue }
            guard g.shape == p.tensor.shape else {
                throw OptimError.invalid("AdamW: gradient of \(p.name) has shape \(g.shape), parameter \(p.tensor.shape)")
            }
            if expAvg[i] == nil {
                expAvg[i] = try Tensor.zeros(p.tensor.shape)
                expAvgSq[i] = try Tensor.zeros(p.tensor.shape)
            }
            stepCounts[i] += 1
            let t = Double(stepCounts[i])
            var stepSize = learningRate
            if h.correctBias { stepSize = stepSize * (1 - pow(h.beta2, t)).squareRoot() / (1 - pow(h.beta1, t)) }
            let k = Kernel(b1: Float(h.beta1), a1: Float(1 - h.beta1), b2: Float(h.beta2), a2: Float(1 - h.beta2),
                           eps: Float(h.eps), negStep: Float(-stepSize),
                           decay: weightDecays[i] > 0 ? Float(-learningRate * weightDecays[i]) : nil)
            k.run(p: p.tensor, g: g, m: expAvg[i]!, v: expAvgSq[i]!)
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.tensor.zeroGrad() } }

    /// The elementwise update in float32, in torch's operation order; large tensors split across cores.
    private struct Kernel: @unchecked Sendable {
        let b1, a1, b2, a2, eps, negStep: Float
        let decay: Float?

        func run(p: Tensor, g: Tensor, m: Tensor, v: Tensor) {
            p.withUnsafeMutableBufferPointer { pb in
                g.withUnsafeBufferPointer { gb in
                    m.withUnsafeMutableBufferPointer { mb in
                        v.withUnsafeMutableBufferPointer { vb in
                            let ptrs = Pointers(p: pb.baseAddress, g: gb.baseAddress, m: mb.baseAddress, v: vb.baseAddress)
                            let n = pb.count, grain = 1 << 16
                            let chunks = max(1, min(8, n / grain))
                            if chunks == 1 { apply(ptrs, 0..<n); return }
                            let per = (n + chunks - 1) / chunks
                            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                                apply(ptrs, (c * per)..<min(n, (c + 1) * per))
                            }
                        }
                    }
                }
            }
        }

        @inline(__always) private func fused(_ a: Float, _ b: Float, _ c: Float) -> Float { AdamW.fusedImpl(a, b, c) }

        /// torch CPU kernels' rounding order: add_(alpha) is a fused multiply-add, addcmul is `v + (a·g)·g`,
        /// addcdiv is `p + (s·m)/d`. The fused ops are done in Double (a float product is exact there; one
        /// rounding of the sum, then to float — equal to a true fma except in rare double-rounding cases)
        /// because the baseline x86-64 target has no FMA instruction (`addingProduct` calls libm).
        private func apply(_ q: Pointers, _ r: Range<Int>) {
            guard let p = q.p, let g = q.g, let m = q.m, let v = q.v else { return }
            typealias V = SIMD8<Float>
            typealias D = SIMD8<Double>
            let (b1v, b2v, a2v, epsv, sv) = (V(repeating: b1), V(repeating: b2), V(repeating: a2), V(repeating: eps), V(repeating: negStep))
            let a1d = D(repeating: Double(a1)), dd = D(repeating: Double(decay ?? 0))
            var j = r.lowerBound
            while j + 8 <= r.upperBound {
                let gj = UnsafeRawPointer(g + j).loadUnaligned(as: V.self)
                let mj = V(D(gj) * a1d + D(UnsafeRawPointer(m + j).loadUnaligned(as: V.self) * b1v))
                let vj = UnsafeRawPointer(v + j).loadUnaligned(as: V.self) * b2v + (a2v * gj) * gj
                UnsafeMutableRawPointer(m + j).storeBytes(of: mj, as: V.self)
                UnsafeMutableRawPointer(v + j).storeBytes(of: vj, as: V.self)
                var pj = UnsafeRawPointer(p + j).loadUnaligned(as: V.self) + (sv * mj) / (vj.squareRoot() + epsv)
                if decay != nil { pj = V(D(pj) * dd + D(pj)) }
                UnsafeMutableRawPointer(p + j).storeBytes(of: pj, as: V.self)
                j += 8
            }
            while j < r.upperBound {   // same arithmetic, one element at a time
                let gj = g[j]
                let mj = fused(gj, a1, m[j] * b1)
                let vj = v[j] * b2 + (a2 * gj) * gj
                m[j] = mj
                v[j] = vj
                var pj = p[j] + (negStep * mj) / (vj.squareRoot() + eps)
                if let d = decay { pj = fused(pj, d, pj) }
                p[j] = pj
                j += 1
            }
        }
    }

    /// `a·b + c` with a single rounding of the exact product sum (see `apply`).
    @inline(__always) private static func fusedImpl(_ a: Float, _ b: Float, _ c: Float) -> Float {
        Float(Double(a) * Double(b) + Double(c))
    }

    private struct Pointers: @unchecked Sendable {
        let p: UnsafeMutablePointer<Float>?
        let g: UnsafePointer<Float>?
        let m: UnsafeMutablePointer<Float>?
        let v: UnsafeMutablePointer<Float>?
    }
}

/// A misuse of an optimizer, scheduler or their saved state; the message names the problem.
public enum OptimError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case state(String)

    public var description: String {
        switch self {
        case .invalid(let m): return m
        case .state(let m): return "optimizer state: \(m)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
