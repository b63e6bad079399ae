import Tensor

/// Finite-difference gradient checking for tensor ops.
///
/// The scalar probed is `L = Σ_i f(inputs)_i · w_i` with fixed random weights `w`, accumulated in
/// Double. Analytic gradients come from `backward(gradient: w)`; numeric ones from the 4-point central
/// stencil `(8(L(x+h) - L(x-h)) - (L(x+2h) - L(x-2h))) / 12h` (truncation error O(h^4)), so float32
/// forward passes still give ~1e-4 relative accuracy with h = 1e-2.
public enum GradCheck {
    public struct Failure: Error, CustomStringConvertible {
        public let input: Int, index: Int, analytic: Double, numeric: Double
        public var description: String {
            "gradient mismatch at input \(input) element \(index): analytic \(analytic), numeric \(numeric)"
        }
    }

    /// Result of one check: the largest error seen and the ops recorded by `f`.
    public struct Report {
        public let maxError: Double
        public let recordedOps: Set<Op>
    }

    /// Checks every element of every input (inputs get `requiresGrad = true`).
    /// An element passes when |analytic - numeric| <= atol + rtol · |numeric|.
    @discardableResult
    public static func check(inputs: [Tensor], h: Float = 1e-2, atol: Double = 2e-3, rtol: Double = 1e-2,
                             seed: UInt64 = 99, _ f: ([Tensor]) throws -> Tensor) throws -> Report {
        for x in inputs { x.requiresGrad = true; x.zeroGrad() }
        let out = try f(inputs)
        let ops = out.recordedOps
        let rng = RNG(seed: seed)
        let w = try Tensor.randn(out.shape, generator: rng)
        try out.backward(gradient: w)
        let weights = w.scalars.map(Double.init)

        func loss() throws -> Double {
            let y = try Tensor.withNoGrad { try f(inputs) }
            return zip(y.scalars, weights).reduce(0) { $0 + Double($1.0) * $1.1 }
        }
        var worst = 0.0
        for (k, x) in inputs.enumerated() {
            let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let original = x.withUnsafeBufferPointer { $0[i] }
                func at(_ delta: Float) throws -> Double {
                    x.withUnsafeMutableBufferPointer { $0[i] = original + delta }
                    return try loss()
                }
                let numeric = (8 * (try at(h) - at(-h)) - (try at(2 * h) - at(-2 * h))) / (12 * Double(h))
                x.withUnsafeMutableBufferPointer { $0[i] = original }
                let a = Double(analytic[i])
                let err = abs(a - numeric)
                worst = max(worst, err / (atol + rtol * abs(numeric)))
                if err > atol + rtol * abs(numeric) {
                    throw Failure(input: k, index: i, analytic: a, numeric: numeric)
                }
            }
        }
        return Report(maxError: worst, recordedOps: ops)
    }
}

/// Elementwise closeness: |a - b| <= atol + rtol |b| for every pair (shapes must match).
public func approxEqual(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

public func approxEqual(_ a: Tensor, _ b: Tensor, atol: Float = 1e-5, rtol: Float = 1e-4) -> Bool {
    a.shape == b.shape && approxEqual(a.scalars, b.scalars, atol: atol, rtol: rtol)
}
