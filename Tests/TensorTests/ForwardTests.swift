import Foundation
import XCTest
import Tensor
import TestSupport

/// Forward results against naive Double loops and against the composed (unfused) versions.
final class ForwardTests: XCTestCase {
    let rng = RNG(seed: 77)
    func randn(_ shape: [Int], scale: Float = 1) throws -> Tensor { try Tensor.randn(shape, std: scale, generator: rng) }

    func testSoftmaxMatchesNaiveAndComposed() throws {
        let x = try randn([5, 37], scale: 3)
        let s = try x.softmax(dim: -1).scalars, ls = try x.logSoftmax(dim: -1).scalars
        let v = x.scalars
        for r in 0..<5 {
            let row = v[(r * 37)..<(r * 37 + 37)].map(Double.init)
            let m = row.max()!, z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for j in 0..<37 {
                XCTAssertEqual(Double(s[r * 37 + j]), Foundation.exp(row[j] - m) / z, accuracy: 1e-6)
                XCTAssertEqual(Double(ls[r * 37 + j]), row[j] - m - Foundation.log(z), accuracy: 1e-5)
            }
        }
        let composed = try (x - x.logsumexp(dim: -1, keepDim: true)).exp()
        XCTAssertTrue(approxEqual(try x.softmax(dim: -1), composed, atol: 1e-6))
        // A non-last dim goes through transposes.
        let t = try randn([3, 4, 2])
        let c1 = try (t - t.logsumexp(dim: 1, keepDim: true)).exp()
        XCTAssertTrue(approxEqual(try t.softmax(dim: 1), c1, atol: 1e-6))
    }

    func testLayerNormMatchesNaiveAndComposed() throws {
        let x = try randn([4, 50], scale: 2).adding(1), w = try randn([50]), b = try randn([50])
        let y = try x.layerNorm(weight: w, bias: b, eps: 1e-5)
        let mean = try x.mean(dims: [-1], keepDim: true)
        let centered = try x - mean
        let variance = try centered.pow(2).mean(dims: [-1], keepDim: true)
        let composed = try centered / variance.adding(1e-5).sqrt() * w + b
        XCTAssertTrue(approxEqual(y, composed, atol: 1e-5))
        let v = x.scalars.map(Double.init), ys = y.scalars
        for r in 0..<4 {
            let row = Array(v[(r * 50)..<(r * 50 + 50)])
            let mu = row.reduce(0, +) / 50
            let va = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / 50
            for j in 0..<50 {
                let ref = (row[j] - mu) / (va + 1e-5).squareRoot() * Double(w.scalars[j]) + Double(b.scalars[j])
                XCTAssertEqual(Double(ys[r * 50 + j]), ref, accuracy: 1e-5)
            }
        }
    }

    func testCrossEntropyMatchesComposed() throws {
        let logits = try randn([6, 9], scale: 2)
        let targets = IntTensor([3, -100, 0, 8, 8, 1])
        for eps: Float in [0, 0.1] {
            for reduction in [Reduction.mean, .sum, .none] {
                let fused = try Tensor.crossEntropy(logits: logits, targets: targets, labelSmoothing: eps, reduction: reduction)
                // Composed: (1-eps) * nll(logSoftmax) + eps * mean_c(-logp), ignored rows zeroed.
                let lp = try logits.logSoftmax(dim: -1)
                let nll = try Tensor.nll(logProbs: lp, targets: targets, reduction: .none)
                let smooth = try -(lp.mean(dims: [-1]))
                let valid = Tensor(try IntTensor(shape: [6], scalars: targets.scalars.map { $0 == -100 ? 0 : 1 }))
                let rows = try (nll * (1 - eps) + smooth * eps) * valid
                let expected: Tensor
                switch reduction {
                case .none: expected = rows
                case .sum: expected = try rows.sum()
                case .mean: expected = try rows.sum() / 5
                }
                XCTAssertTrue(approxEqual(fused, expected, atol: 1e-5), "eps \(eps) \(reduction): \(fused) vs \(expected)")
            }
        }
    }

    func testTranscendentalAccuracy() throws {
        let xs = (0..<4001).map { Float($0 - 2000) / 100 }   // [-20, 20]
        let x = try Tensor(shape: [xs.count], scalars: xs)
        let e = x.exp().scalars, t = x.tanh().scalars, g = x.gelu().scalars, s = x.sigmoid().scalars
        for (i, v) in xs.enumerated() {
            let d = Double(v)
            XCTAssertEqual(Double(e[i]), Foundation.exp(d), accuracy: Foundation.exp(d) * 3e-7)
            XCTAssertEqual(Double(t[i]), Foundation.tanh(d), accuracy: 5e-7)
            XCTAssertEqual(Double(g[i]), d * 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot())), accuracy: 1e-6 * max(1, abs(d)))
            XCTAssertEqual(Double(s[i]), 1 / (1 + Foundation.exp(-d)), accuracy: 5e-7)
        }
    }

    /// exp underflows to exactly 0 (never a denormal: those slow BLAS down ~10x) and overflows to inf.
    func testExpUnderflowIsZeroAndOverflowIsInfinite() throws {
        let x = try Tensor(shape: [20], scalars: [-10000, -200, -104, -90, -87.4, 89, 1000, .infinity, -.infinity, .nan] + [Float](repeating: -1e9, count: 10))
        let y = x.exp().scalars
        XCTAssertEqual(Array(y[0..<5]), [0, 0, 0, 0, 0])
        XCTAssertEqual(Array(y[5..<8]), [.infinity, .infinity, .infinity])
        XCTAssertEqual(y[8], 0)
        XCTAssertTrue(y[9].isNaN)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0.isNaN || $0.isInfinite || $0.isNormal })
        // Masked attention logits give exact zeros, not denormals.
        let p = try Tensor(shape: [1, 3], scalars: [0, 1, -10000]).softmax(dim: -1).scalars
        XCTAssertEqual(p[2], 0)
    }

    /// Naive [.., M, K] x [.., K, N] with explicit transposes, in Double.
    func naiveMatmul(_ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) -> [Double] {
        let (a0, a1) = (a.shape[a.rank - 2], a.shape[a.rank - 1]), (b0, b1) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let (m, k) = ta ? (a1, a0) : (a0, a1), n = tb ? b0 : b1
        let batch = max(a.count / (a0 * a1), b.count / (b0 * b1))
        let av = a.scalars, bv = b.scalars
        var out = [Double](repeating: 0, count: batch * m * n)
        for p in 0..<batch {
            let ao = (a.count == a0 * a1 ? 0 : p) * a0 * a1, bo = (b.count == b0 * b1 ? 0 : p) * b0 * b1
            for i in 0..<m { for j in 0..<n { for q in 0..<k {
                let x = av[ao + (ta ? q * a1 + i : i * a1 + q)], y = bv[bo + (tb ? j * b1 + q : q * b1 + j)]
                out[(p * m + i) * n + j] += Double(x) * Double(y)
            } } }
        }
        return out
    }

    func testMatmulAllTransposesAndBatches() throws {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            for (batchA, batchB) in [([], []), ([3], [3]), ([3], []), ([], [3])] {
                let a = try randn(batchA + (ta ? [5, 4] : [4, 5])), b = try randn(batchB + (tb ? [6, 5] : [5, 6]))
                let c = try a.matmul(b, transposeA: ta, transposeB: tb)
                XCTAssertEqual(c.shape, (batchA.isEmpty ? batchB : batchA) + [4, 6])
                XCTAssertTrue(approxEqual(c.scalars, naiveMatmul(a, b, ta, tb).map(Float.init), atol: 1e-4), "\(ta) \(tb) \(batchA) \(batchB)")
            }
        }
        // Attention-sized heads take the parallel single-threaded-BLAS path.
        let q = try randn([24, 32, 16]), k = try randn([24, 32, 16])
        XCTAssertTrue(approxEqual(try q.matmul(k, transposeB: true).scalars, naiveMatmul(q, k, false, true).map(Float.init), atol: 1e-4))
    }

    func testBroadcastArithmeticMatchesNaive() throws {
        let pairs: [([Int], [Int])] = [([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([1, 3, 1], [2, 1, 4]), ([2, 1, 4, 5], [3, 1, 5]),
                                       ([], [3]), ([40000], [40000]), ([5, 1], [1, 7])]
        for (sa, sb) in pairs {
            let a = try randn(sa), b = try randn(sb).adding(3)
            let shape = try (a + b).shape
            let n = shape.reduce(1, *)
            func at(_ t: Tensor, _ flat: Int) -> Float {
                var rest = flat, off = 0, step = 1
                var idx = [Int](repeating: 0, count: shape.count)
                for d in stride(from: shape.count - 1, through: 0, by: -1) { idx[d] = rest % shape[d]; rest /= shape[d] }
                for d in stride(from: t.rank - 1, through: 0, by: -1) {
                    let i = idx[d + shape.count - t.rank]
                    off += (t.shape[d] == 1 ? 0 : i) * step
                    step *= t.shape[d]
                }
                return t.scalars[off]
            }
            let (av, bv) = (try a.expanded(to: shape), try b.expanded(to: shape))
            XCTAssertEqual(av.scalars.count, n)
            if n < 1000 { for i in 0..<n { XCTAssertEqual(av.scalars[i], at(a, i)); XCTAssertEqual(bv.scalars[i], at(b, i)) } }
            XCTAssertTrue(approxEqual(try a + b, try Tensor(shape: shape, scalars: zip(av.scalars, bv.scalars).map { $0 + $1 })))
            XCTAssertTrue(approxEqual(try a - b, try Tensor(shape: shape, scalars: zip(av.scalars, bv.scalars).map { $0 - $1 })))
            XCTAssertTrue(approxEqual(try a * b, try Tensor(shape: shape, scalars: zip(av.scalars, bv.scalars).map { $0 * $1 })))
            XCTAssertTrue(approxEqual(try a / b, try Tensor(shape: shape, scalars: zip(av.scalars, bv.scalars).map { $0 / $1 })))
        }
    }

    func testPermuteSliceConcatReduce() throws {
        let x = try Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        XCTAssertEqual(try x.permuted([2, 0, 1]).scalars[0..<6], [0, 4, 8, 12, 16, 20])
        XCTAssertEqual(try x.transposed(0, 1).shape, [3, 2, 4])
        XCTAssertEqual(try x.slice(dim: 1, start: 1, end: 2).scalars, [4, 5, 6, 7, 16, 17, 18, 19])
        let parts = try x.split(size: 2, dim: 2)
        XCTAssertEqual(try Tensor.concat(parts, dim: 2).scalars, x.scalars)
        XCTAssertEqual(try Tensor.stack([parts[0], parts[1]], dim: 1).shape, [2, 2, 3, 2])
        XCTAssertEqual(try Tensor.stack([Tensor(1), Tensor(2)]).scalars, [1, 2])
        XCTAssertThrowsError(try Tensor.stack([x, parts[0]]))
        XCTAssertEqual(try x.sum(dims: [0, 2]).scalars, [60, 92, 124])
        XCTAssertEqual(try x.max(dims: [1]).scalars, [8, 9, 10, 11, 20, 21, 22, 23])
        XCTAssertEqual(try x.mean().item(), 11.5)
        XCTAssertEqual(try x.sum(dims: [1], keepDim: true).shape, [2, 1, 4])
        let big = try randn([3, 70000])
        XCTAssertEqual(try big.sum().item(), big.scalars.reduce(0, +), accuracy: 1)
        let (values, indices) = try Tensor(shape: [2, 4], scalars: [1, 5, 3, 5, 0, -1, 2, 9]).topK(2)
        XCTAssertEqual(values.scalars, [5, 5, 9, 2])
        XCTAssertEqual(indices.scalars, [1, 3, 3, 2])
        // Small-k selection and full sort agree with a reference ranking, along any dim.
        let r = try randn([3, 200, 2])
        for k in [0, 1, 5, 40, 200] {
            let (v, ix) = try r.topK(k, dim: 1)
            XCTAssertEqual(v.shape, [3, k, 2])
            for o in 0..<3 { for i in 0..<2 {
                let column = (0..<200).map { r.scalars[(o * 200 + $0) * 2 + i] }
                let ref = column.indices.sorted { column[$0] > column[$1] || (column[$0] == column[$1] && $0 < $1) }.prefix(k)
                XCTAssertEqual((0..<k).map { ix.scalars[(o * k + $0) * 2 + i] }, Array(ref))
                XCTAssertEqual((0..<k).map { v.scalars[(o * k + $0) * 2 + i] }, ref.map { column[$0] })
            } }
        }
        XCTAssertEqual(try r.argmax(dim: 1).shape, [3, 2])
    }

    func testShapeErrorsNameOpAndShapes() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a.matmul(b)) { e in
            XCTAssertEqual("\(e)", "matmul: shapes [2, 3] and [4, 5] do not match (inner dims 3 vs 4 (transposeA: false, transposeB: false))")
        }
        XCTAssertThrowsError(try a + b) { e in XCTAssertTrue("\(e)".hasPrefix("add: shapes [2, 3] and [4, 5]"), "\(e)") }
        XCTAssertThrowsError(try a.reshaped([4])) { e in XCTAssertTrue("\(e)".contains("reshape"), "\(e)") }
        XCTAssertThrowsError(try Tensor.embedding(weight: b, ids: IntTensor([4]))) { e in
            XCTAssertEqual(e as? TensorError, .indexOutOfRange(op: "embedding", index: 4, size: 4))
        }
        XCTAssertThrowsError(try Tensor.crossEntropy(logits: a, targets: IntTensor([0, 3]))) { e in
            XCTAssertEqual(e as? TensorError, .indexOutOfRange(op: "crossEntropy", index: 3, size: 3))
        }
        XCTAssertThrowsError(try Tensor(shape: [2, 2], scalars: [1]))
        XCTAssertThrowsError(try a.softmax(dim: 2))
        XCTAssertThrowsError(try a.item())
        // Scalars have no dimension to slice, split, concatenate or transpose: errors, not crashes.
        let s = Tensor(2)
        XCTAssertThrowsError(try s.slice(dim: 0, start: 0, end: 1))
        XCTAssertThrowsError(try s.split(size: 1, dim: 0))
        XCTAssertThrowsError(try Tensor.concat([s, s], dim: 0))
        XCTAssertThrowsError(try s.transposed(0, 0))
        XCTAssertThrowsError(try s.squeezed(dim: 0))
        XCTAssertThrowsError(try s.logsumexp(dim: 0))
        XCTAssertThrowsError(try s.indexSelect(dim: 0, index: IntTensor([0])))
        XCTAssertThrowsError(try s.softmax(dim: -1))
        XCTAssertThrowsError(try a.expanded(to: [-2, 3]))
        XCTAssertEqual(try s.unsqueezed(dim: 0).shape, [1])
        XCTAssertEqual(try s.sum().item(), 2)
    }

    func testRNGStreamsAreReproducible() throws {
        let a = try Tensor.randn([1000], generator: RNG(seed: 9)).scalars
        let b = try Tensor.randn([1000], generator: RNG(seed: 9)).scalars
        let c = try Tensor.randn([1000], generator: RNG(seed: 10)).scalars
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let n = try Tensor.randn([100_000], generator: RNG(seed: 1))
        XCTAssertEqual(try n.mean().item(), 0, accuracy: 0.02)
        XCTAssertEqual(try n.pow(2).mean().item(), 1, accuracy: 0.02)
        let u = try Tensor.uniform([100_000], low: -1, high: 3, generator: RNG(seed: 2))
        XCTAssertEqual(try u.mean().item(), 1, accuracy: 0.02)
        XCTAssertGreaterThanOrEqual(try u.min(), -1)
        let r = RNG(seed: 4)
        let hits = (0..<100_000).filter { _ in r.bernoulli(0.3) }.count
        XCTAssertEqual(Double(hits) / 100_000, 0.3, accuracy: 0.01)
    }
}

private extension Tensor {
    func min() throws -> Float { try (-self).max().item() * -1 }
}

/// The fused linear (Ops/Linear.swift) against matmul + broadcast add, and its shape errors.
final class LinearOpTests: XCTestCase {
    func testLinearEqualsMatmulPlusBiasAndChecksShapes() throws {
        let rng = RNG(seed: 11)
        let x = try Tensor.randn([2, 70, 40], generator: rng), w = try Tensor.randn([130, 40], generator: rng)
        let b = try Tensor.randn([130], generator: rng)
        let fused = try x.linear(weight: w, bias: b), composed = try x.matmul(w, transposeB: true) + b
        XCTAssertEqual(fused.shape, [2, 70, 130])
        XCTAssertTrue(approxEqual(fused.scalars, composed.scalars, atol: 1e-4))
        XCTAssertTrue(approxEqual(try x.linear(weight: w, bias: nil).scalars, try x.matmul(w, transposeB: true).scalars, atol: 1e-4))
        XCTAssertThrowsError(try x.linear(weight: w, bias: Tensor.randn([129], generator: rng)))
        XCTAssertThrowsError(try x.linear(weight: Tensor.randn([130, 41], generator: rng), bias: nil))
        // in = 0: the product is empty, so the result is the bias (or zeros) in every row.
        let empty = try Tensor.zeros([3, 0]), w0 = try Tensor.zeros([2, 0]), b2 = try Tensor(shape: [2], scalars: [1.5, -2])
        XCTAssertEqual(try empty.linear(weight: w0, bias: b2).scalars, [1.5, -2, 1.5, -2, 1.5, -2])
        XCTAssertEqual(try empty.linear(weight: w0, bias: nil).scalars, [0, 0, 0, 0, 0, 0])
    }
}
