import Foundation
import Tensor
import XCTest

/// `Precision.bfloat16` products (docs/tensor.md, "Mixed precision") against two references:
///
/// - the same product of the operands rounded to bfloat16 computed in float32 (bfloat16 × bfloat16 is exact
///   in float32, so the two differ only by float32 summation order): |Δ| <= k · 2^-23 · Σ|a||b| + 1e-30;
/// - the float32 product: bfloat16 keeps 8 significant bits, so each operand's rounding is at most 2^-8
///   relative and each product's 2^-7 + 2^-16: |Δ| <= (2^-7 + 2^-16 + 2k · 2^-23) · Σ_k |a||b| (the error bound docs/tensor.md states; the 2k term is
///   the summation order of both sides).
///
/// On a CPU without bfloat16 kernels the products must equal float32 exactly (the fallback).
final class MixedPrecisionTests: XCTestCase {
    let rng = RNG(seed: 7)

    func randn(_ shape: [Int]) throws -> Tensor { try Tensor.randn(shape, generator: rng) }

    /// Round to nearest even on the upper 16 bits, as the kernels do.
    static func bf16(_ x: Float) -> Float {
        var u = x.bitPattern
        u &+= 0x7fff &+ ((u >> 16) & 1)
        return Float(bitPattern: u & 0xffff_0000)
    }

    func rounded(_ t: Tensor) throws -> Tensor { try Tensor(shape: t.shape, scalars: t.scalars.map(Self.bf16)) }

    /// Σ_k |a_ik| |b_kj| per output element, as a float32 product of absolute values.
    func magnitude(_ a: Tensor, _ b: Tensor, ta: Bool, tb: Bool) throws -> [Float] {
        let aa = try Tensor(shape: a.shape, scalars: a.scalars.map(abs)), ba = try Tensor(shape: b.shape, scalars: b.scalars.map(abs))
        return try aa.matmul(ba, transposeA: ta, transposeB: tb).scalars
    }

    /// Checks one product in bfloat16 against both references; returns the largest |bf16 - float32|.
    @discardableResult
    func check(_ a: Tensor, _ b: Tensor, ta: Bool = false, tb: Bool = false, _ what: String) throws -> Float {
        let k = ta ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let f32 = try a.matmul(b, transposeA: ta, transposeB: tb).scalars
        let got = try Precision.with(.bfloat16) { try a.matmul(b, transposeA: ta, transposeB: tb) }.scalars
        guard Precision.bfloat16Available else {
            XCTAssertEqual(got, f32, "\(what): without bfloat16 kernels the product is float32")
            return 0
        }
        let emulated = try rounded(a).matmul(try rounded(b), transposeA: ta, transposeB: tb).scalars
        let mag = try magnitude(a, b, ta: ta, tb: tb)
        let order = Float(k) * 0x1p-23, operand: Float = 0x1p-7 + 0x1p-16
        var worst: Float = 0
        for i in got.indices {
            XCTAssertLessThanOrEqual(abs(got[i] - emulated[i]), order * mag[i] + 1e-30, "\(what) [\(i)] vs rounded operands")
            XCTAssertLessThanOrEqual(abs(got[i] - f32[i]), (operand + 2 * order) * mag[i], "\(what) [\(i)] vs float32")
            worst = max(worst, abs(got[i] - f32[i]))
        }
        return worst
    }

    func testProductsOfEveryTransposeWithinTheBound() throws {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = try randn(ta ? [96, 37] : [37, 96]), b = try randn(tb ? [53, 96] : [96, 53])
            let worst = try check(a, b, ta: ta, tb: tb, "37x96x53 ta \(ta) tb \(tb)")
            if Precision.bfloat16Available { XCTAssertGreaterThan(worst, 0, "bfloat16 really ran (ta \(ta) tb \(tb))") }
        }
    }

    func testLargeProductsSplitIntoRowBlocks() throws {
        // 256 x 128 x 64 = 2M multiply-adds: split into row blocks across the workers.
        try check(try randn([256, 128]), try randn([64, 128]), tb: true, "row blocks")
        try check(try randn([128, 256]), try randn([128, 64]), ta: true, "row blocks, A transposed")
    }

    func testBatchedAndBroadcastProducts() throws {
        try check(try randn([2, 3, 9, 16]), try randn([2, 3, 16, 11]), "own matrices per item")
        try check(try randn([2, 3, 9, 16]), try randn([11, 16]), tb: true, "shared B (folded)")
        try check(try randn([9, 16]), try randn([2, 3, 16, 11]), "shared A")
        try check(try randn([2, 1, 9, 16]), try randn([1, 3, 16, 11]), "partial broadcast, item by item")
        try check(try randn([2, 3, 16, 9]), try randn([2, 3, 16, 11]), ta: true, "transposed batched A")
    }

    func testLinearWithBiasAndItsGradients() throws {
        let x = try randn([40, 48]), w = try randn([30, 48]), bias = try randn([30])
        let (f32, g32) = try linearAndGradients(x, w, bias)
        let (b16, g16) = try Precision.with(.bfloat16) { try linearAndGradients(x, w, bias) }
        let mag = try magnitude(x, w, ta: false, tb: true)
        for i in f32.indices { XCTAssertLessThanOrEqual(abs(f32[i] - b16[i]), (0x1p-7 + 0x1p-16 + 2 * 48 * 0x1p-23) * mag[i] + 1e-6) }
        // dW = Σ_rows g x with g = 1 on every output (exact in bfloat16): x rounds by 2^-8, so within 2^-8 of Σ_rows |x|.
        let colMass = (0..<48).map { j in (0..<40).reduce(Float(0)) { $0 + abs(x.scalars[$1 * 48 + j]) } }
        for (i, (a, b)) in zip(g32, g16).enumerated() { XCTAssertLessThanOrEqual(abs(a - b), (0x1p-8 + 80 * 0x1p-23) * colMass[i % 48] + 1e-6, "dW[\(i)]") }
    }

    func linearAndGradients(_ x: Tensor, _ w: Tensor, _ bias: Tensor) throws -> ([Float], [Float]) {
        let wp = try Tensor(shape: w.shape, scalars: w.scalars), bp = try Tensor(shape: bias.shape, scalars: bias.scalars)
        wp.requiresGrad = true
        bp.requiresGrad = true
        let y = try x.linear(weight: wp, bias: bp)
        try y.sum().backward()
        return (y.scalars, try XCTUnwrap(wp.grad).scalars)
    }

    func testAttentionWithinTheBound() throws {
        let (q, k, v) = (try randn([2, 19, 24]), try randn([2, 37, 24]), try randn([2, 37, 24]))
        let f32 = try Tensor.attention(query: q, key: k, value: v, heads: 3, scale: 0.35).scalars
        let b16 = try Precision.with(.bfloat16) { try Tensor.attention(query: q, key: k, value: v, heads: 3, scale: 0.35) }.scalars
        // Scores: |Δs| <= 2^-8 · scale · Σ|q||k| (<= ~0.35 · 8 · 2 here): probabilities move by a few 1e-3,
        // outputs (convex combinations of rounded v) by well under 0.05 for unit-normal inputs.
        let worst = zip(f32, b16).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 0.05)
        if Precision.bfloat16Available { XCTAssertGreaterThan(worst, 0) }
    }

    /// A thread's own setting reaches the products an op runs on the workers (the batched loop of small items),
    /// even when the session default says otherwise.
    func testWorkersUseTheCallingThreadsPrecision() throws {
        let a = try randn([6, 40, 24]), b = try randn([6, 24, 40])  // small items: the parallel item loop
        let f32 = try a.matmul(b).scalars
        let before = Precision.sessionDefault
        Precision.sessionDefault = .bfloat16
        defer { Precision.sessionDefault = before }
        let pinned = try Precision.with(.float32) { try a.matmul(b) }.scalars
        XCTAssertEqual(pinned, f32)
    }

    func testThePrecisionIsPerThreadAndRestored() throws {
        XCTAssertEqual(Precision.requested, .float32)
        Precision.with(.bfloat16) {
            XCTAssertEqual(Precision.requested, .bfloat16)
            let done = DispatchSemaphore(value: 0)
            let seen = Box()
            Thread { seen.value = Precision.requested; done.signal() }.start()
            done.wait()
            XCTAssertEqual(seen.value, .float32, "another thread keeps its own setting")
            Precision.with(.float32) { XCTAssertEqual(Precision.requested, .float32) }
            XCTAssertEqual(Precision.requested, .bfloat16)
        }
        XCTAssertEqual(Precision.requested, .float32)
        XCTAssertEqual(Precision(name: "bf16"), .bfloat16)
        XCTAssertEqual(Precision(name: "FP32"), .float32)
        XCTAssertNil(Precision(name: "fp16"))
    }
}

private final class Box: @unchecked Sendable { var value: Precision? }
