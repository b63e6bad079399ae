import Tensor

/// transformers' `AdamW` as the research project uses it (rag-spec.md §6.4): bias-corrected Adam with eps
/// added to sqrt(v) before the correction, and decoupled weight decay applied after the Adam step on the
/// updated value. Parameter groups: names containing "bias" or "LayerNorm.weight" get no decay.
///
///     let opt = AdamW(model.namedParameters(), lr: 3e-5, weightDecay: 0.001)
///     try loss.backward(); try opt.step(); model.zeroGrad()
public final class AdamW {
    public struct Group {
        public var parameters: [Tensor]
        public var weightDecay: Float
    }

    public var lr: Float
    public let beta1: Float, beta2: Float, eps: Float
    public private(set) var groups: [Group]
    /// Optimizer steps taken (t of the bias correction).
    public private(set) var stepCount = 0
    private var m: [ObjectIdentifier: [Float]] = [:]
    private var v: [ObjectIdentifier: [Float]] = [:]

    public init(_ named: [(name: String, tensor: Tensor)], lr: Float, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 0) {
        let noDecay = named.filter { $0.name.contains("bias") || $0.name.contains("LayerNorm.weight") }.map(\.tensor)
        let decay = named.filter { !($0.name.contains("bias") || $0.name.contains("LayerNorm.weight")) }.map(\.tensor)
        groups = [Group(parameters: decay, weightDecay: weightDecay), Group(parameters: noDecay, weightDecay: 0)]
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
    }

    /// One update of every parameter that has a gradient (parameters without `.grad` are skipped, as in
    /// PyTorch). Parameters are updated in place.
    public func step() throws {
        stepCount += 1
        let t = Float(stepCount)
        let stepSize = lr * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
        for group in groups {
            for p in group.parameters {
                guard let g = p.grad else { continue }
                guard g.shape == p.shape else {
                    throw TensorError.shapeMismatch(op: "AdamW.step", lhs: p.shape, rhs: g.shape, reason: "gradient shape")
                }
                let key = ObjectIdentifier(p)
                var m = self.m[key] ?? [Float](repeating: 0, count: p.count)
                var v = self.v[key] ?? [Float](repeating: 0, count: p.count)
                let (b1, b2, eps, decay) = (beta1, beta2, self.eps, lr * group.weightDecay)
                g.withUnsafeBufferPointer { gb in
                    p.withUnsafeMutableBufferPointer { pb in
                        for i in 0..<pb.count {
                            m[i] = b1 * m[i] + (1 - b1) * gb[i]
                            v[i] = b2 * v[i] + (1 - b2) * gb[i] * gb[i]
                            pb[i] -= stepSize * m[i] / (v[i].squareRoot() + eps)
                            if decay > 0 { pb[i] -= decay * pb[i] }
                        }
                    }
                }
                self.m[key] = m
                self.v[key] = v
            }
        }
    }
}

import Foundation
