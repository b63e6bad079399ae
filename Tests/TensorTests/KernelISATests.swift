import Foundation
import XCTest
import Tensor
import TestSupport

/// The C kernels at every instruction set this CPU supports agree with Double references (and so with
/// each other): exp, GELU and its derivative, softmax / log_softmax rows, fused attention.
final class KernelISATests: XCTestCase {
    func testEveryInstructionSetMatchesDoubleReferences() throws {
        let top = KernelISA.set(2)
        defer { KernelISA.set(top) }
        // 37 values per row: vector body and tail; range covers exp's clamps and GELU's tails.
        let xs = (0..<(5 * 37)).map { Float($0) * 0.23 - 21 }
        let x = try Tensor(shape: [5, 37], scalars: xs)
        for level in 0...top {
            XCTAssertEqual(KernelISA.set(level), level)
            for (y, v) in zip(x.exp().scalars, xs) {
                let want = Foundation.exp(Double(v))
                XCTAssertEqual(Double(y), want, accuracy: 3e-7 * want, "exp(\(v)) at ISA \(level)")
            }
            for (y, v) in zip(x.gelu().scalars, xs) {
                let want = 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))
                XCTAssertEqual(Double(y), want, accuracy: 1e-6 + 1e-6 * abs(want), "gelu(\(v)) at ISA \(level)")
            }
            let leaf = x.copied()
            leaf.requiresGrad = true
            try leaf.gelu().sum().backward()
            for (g, v) in zip(try XCTUnwrap(leaf.grad).scalars, xs) {
                let d = Double(v)
                let want = 0.5 * (1 + erf(d / 2.0.squareRoot())) + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
                XCTAssertEqual(Double(g), want, accuracy: 1e-6, "gelu'(\(v)) at ISA \(level)")
            }
            let small = x.multiplying(0.1)
            let sm = try small.softmax(dim: -1).scalars, lsm = try small.logSoftmax(dim: -1).scalars
            for r in 0..<5 {
                let row = small.scalars[(r * 37)..<((r + 1) * 37)].map(Double.init)
                let m = row.max()!, lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
                for j in 0..<37 {
                    XCTAssertEqual(Double(sm[r * 37 + j]), Foundation.exp(row[j] - lse), accuracy: 1e-7, "softmax at ISA \(level)")
                    XCTAssertEqual(Double(lsm[r * 37 + j]), row[j] - lse, accuracy: 2e-6, "log_softmax at ISA \(level)")
                }
            }
        }
    }

    func testAttentionAgreesAcrossInstructionSets() throws {
        let top = KernelISA.set(2)
        defer { KernelISA.set(top) }
        let rng = RNG(seed: 4)
        let (q, k, v) = (try Tensor.randn([2, 7, 12], generator: rng), try Tensor.randn([2, 19, 12], generator: rng),
                         try Tensor.randn([2, 19, 12], generator: rng))
        var results: [Tensor] = []
        for level in 0...top {
            KernelISA.set(level)
            results.append(try Tensor.attention(query: q, key: k, value: v, heads: 3, scale: 0.5, dropout: 0.2, generator: RNG(seed: 1)))
        }
        for r in results.dropFirst() { XCTAssertTrue(approxEqual(r, results[0], atol: 1e-5, rtol: 1e-5)) }
    }
}
