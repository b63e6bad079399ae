import NN
import Tensor
import XCTest

/// AdamW against the formula of rag-spec.md §6.4 evaluated by hand in Double, and its decay groups.
final class AdamWTests: XCTestCase {
    func testTwoStepsFollowTheSpecFormula() throws {
        let w = parameter(try Tensor(shape: [2], scalars: [1.0, -2.0]))
        let b = parameter(try Tensor(shape: [1], scalars: [0.5]))
        let opt = AdamW([("layer.dense.weight", w), ("layer.dense.bias", b)], lr: 0.1, weightDecay: 0.01)
        XCTAssertEqual(opt.groups.map(\.weightDecay), [0.01, 0])
        let grads: [[Double]] = [[0.3, -0.2, 0.7], [0.1, 0.4, -0.5]]
        var p: [Double] = [1.0, -2.0, 0.5], m = [Double](repeating: 0, count: 3), v = m
        for (step, g) in grads.enumerated() {
            w.grad = try Tensor(shape: [2], scalars: g[0..<2].map(Float.init))
            b.grad = try Tensor(shape: [1], scalars: [Float(g[2])])
            try opt.step()
            let t = Double(step + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                p[i] -= 0.1 * (1 - pow(0.999, t)).squareRoot() / (1 - pow(0.9, t)) * m[i] / (v[i].squareRoot() + 1e-8)
                if i < 2 { p[i] -= 0.1 * 0.01 * p[i] }
            }
            for (x, y) in zip(w.scalars + b.scalars, p) { XCTAssertEqual(Double(x), y, accuracy: 1e-6) }
        }
        XCTAssertEqual(opt.stepCount, 2)
    }

    func testDecayGroupsUseSubstringRules() throws {
        let names = ["bert.embeddings.LayerNorm.weight", "model.encoder.layernorm_embedding.weight",
                     "model.encoder.layers.0.final_layer_norm.weight", "x.bias", "x.weight"]
        let ts = try names.map { _ in parameter(try Tensor.zeros([1])) }
        let opt = AdamW(Array(zip(names, ts)).map { ($0.0, $0.1) }, lr: 1, weightDecay: 0.5)
        // BERT LayerNorm weights are exempt; BART layer-norm weights are decayed (spec §6.4).
        XCTAssertEqual(opt.groups[0].parameters.map { ObjectIdentifier($0) }, [ts[1], ts[2], ts[4]].map { ObjectIdentifier($0) })
        XCTAssertEqual(opt.groups[1].parameters.map { ObjectIdentifier($0) }, [ts[0], ts[3]].map { ObjectIdentifier($0) })
    }
}
