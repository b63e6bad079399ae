import XCTest
import Tensor
import TestSupport

/// The fused `Tensor.attention` against the composed reference (split heads, matmul, scale, bias, softmax,
/// dropout, matmul, merge heads): forward, masked rows, dropout masks and gradients.
final class AttentionTests: XCTestCase {
    let rng = RNG(seed: 99)

    func randn(_ shape: [Int]) throws -> Tensor { try Tensor.randn(shape, generator: rng) }

    /// `[B, T, h·dh] -> [B, h, T, dh]`.
    func split(_ t: Tensor, _ heads: Int) throws -> Tensor {
        try t.reshaped([t.shape[0], t.shape[1], heads, t.shape[2] / heads]).permuted([0, 2, 1, 3])
    }

    func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, scale: Float, bias: Tensor?,
                   dropout: Float = 0, seed: UInt64 = 0) throws -> Tensor {
        var s = try split(q, heads).matmul(split(k, heads), transposeB: true) * scale
        if let bias { s = try s + bias }
        var p = try s.softmax(dim: -1)
        if dropout > 0 { p = try p.dropout(p: dropout, generator: RNG(seed: seed), training: true) }
        let o = try p.matmul(split(v, heads))
        return try o.permuted([0, 2, 1, 3]).reshaped([q.shape[0], q.shape[1], q.shape[2]])
    }

    /// Padding bias `[B, 1, 1, Tk]` with the last `masked[b]` keys of row b masked (float32 lowest).
    func paddingBias(batch: Int, tk: Int, masked: [Int]) throws -> Tensor {
        var s = [Float](repeating: 0, count: batch * tk)
        for b in 0..<batch { for j in (tk - masked[b])..<tk { s[b * tk + j] = -Float.greatestFiniteMagnitude } }
        return try Tensor(shape: [batch, 1, 1, tk], scalars: s)
    }

    func testForwardMatchesComposedReferenceWithPaddingAndTails() throws {
        // Tk = 37 exercises the vector loop and the scalar tail; row 1 masks 30 keys.
        let (q, k, v) = (try randn([2, 19, 24]), try randn([2, 37, 24]), try randn([2, 37, 24]))
        let bias = try paddingBias(batch: 2, tk: 37, masked: [0, 30])
        let fused = try Tensor.attention(query: q, key: k, value: v, heads: 3, scale: 0.4, bias: bias)
        let ref = try reference(q, k, v, heads: 3, scale: 0.4, bias: bias)
        XCTAssertEqual(fused.shape, [2, 19, 24])
        XCTAssertTrue(approxEqual(fused, ref, atol: 2e-5, rtol: 1e-4))
    }

    func testHeadLayoutOperandsAndCausalBias() throws {
        let (q, k, v) = (try randn([3, 6, 8]), try randn([3, 6, 8]), try randn([3, 6, 8]))
        var causal = [Float](repeating: 0, count: 36)
        for i in 0..<6 { for j in 0..<6 where j > i { causal[i * 6 + j] = -Float.greatestFiniteMagnitude } }
        let bias = try Tensor(shape: [1, 1, 6, 6], scalars: causal)
        let fused = try Tensor.attention(query: q, key: split(k, 2), value: split(v, 2), heads: 2, scale: 0.5, bias: bias)
        XCTAssertTrue(approxEqual(fused, try reference(q, k, v, heads: 2, scale: 0.5, bias: bias), atol: 2e-5, rtol: 1e-4))
    }

    func testFullyMaskedRowIsUniformAsInTheComposedOps() throws {
        let (q, k, v) = (try randn([1, 2, 4]), try randn([1, 3, 4]), try randn([1, 3, 4]))
        let bias = try paddingBias(batch: 1, tk: 3, masked: [3])
        let fused = try Tensor.attention(query: q, key: k, value: v, heads: 1, scale: 1, bias: bias)
        XCTAssertTrue(approxEqual(fused, try reference(q, k, v, heads: 1, scale: 1, bias: bias), atol: 1e-5, rtol: 1e-5))
    }

    func testDropoutDrawsTheSameMaskAsProbabilityDropout() throws {
        let (q, k, v) = (try randn([2, 5, 8]), try randn([2, 7, 8]), try randn([2, 7, 8]))
        let fused = try Tensor.attention(query: q, key: k, value: v, heads: 2, scale: 0.3, dropout: 0.25, generator: RNG(seed: 11))
        let ref = try reference(q, k, v, heads: 2, scale: 0.3, bias: nil, dropout: 0.25, seed: 11)
        XCTAssertTrue(approxEqual(fused, ref, atol: 2e-5, rtol: 1e-4))
        let noDrop = try reference(q, k, v, heads: 2, scale: 0.3, bias: nil)
        XCTAssertFalse(approxEqual(fused, noDrop, atol: 1e-3, rtol: 1e-3), "dropout must change the result")
    }

    func testGradientsMatchComposedReference() throws {
        for dropout: Float in [0, 0.2] {
            let leaves = try [randn([2, 9, 12]), randn([2, 21, 12]), randn([2, 21, 12]), randn([2, 1, 9, 21])]
            for t in leaves { t.requiresGrad = true }
            let w = try randn([2, 9, 12])
            let fused = try Tensor.attention(query: leaves[0], key: leaves[1], value: leaves[2], heads: 3, scale: 0.6,
                                             bias: leaves[3], dropout: dropout, generator: RNG(seed: 5))
            try (fused * w).sum().backward()
            let fusedGrads = leaves.map { $0.grad! }
            for t in leaves { t.zeroGrad() }
            let ref = try reference(leaves[0], leaves[1], leaves[2], heads: 3, scale: 0.6, bias: leaves[3], dropout: dropout, seed: 5)
            try (ref * w).sum().backward()
            for (i, t) in leaves.enumerated() {
                XCTAssertTrue(approxEqual(fusedGrads[i], t.grad!, atol: 1e-4, rtol: 1e-3), "grad \(i), dropout \(dropout)")
            }
        }
    }

    func testShapeErrorsNameTheProblem() throws {
        let q = try randn([2, 3, 6])
        XCTAssertThrowsError(try Tensor.attention(query: q, key: try randn([2, 4, 8]), value: try randn([2, 4, 8]), heads: 2, scale: 1))
        XCTAssertThrowsError(try Tensor.attention(query: q, key: q, value: q, heads: 4, scale: 1)) { error in
            XCTAssertTrue("\(error)".contains("divisible"), "\(error)")
        }
        XCTAssertThrowsError(try Tensor.attention(query: q, key: q, value: q, heads: 2, scale: 1, bias: try randn([2, 4])))
        XCTAssertThrowsError(try Tensor.attention(query: q, key: q, value: q, heads: 2, scale: 1, dropout: 0.1))
    }
}
