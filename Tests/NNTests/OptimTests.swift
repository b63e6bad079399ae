import Foundation
import NN
import Tensor
import TestSupport
import XCTest

/// AdamW + schedules + clipping against torch/transformers (scripts/fixtures/optim.py → test_dir/fixtures/optim/).
final class OptimTests: XCTestCase {
    private func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: RepoPaths.url("test_dir/fixtures/optim/optim.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func floats(_ any: Any?) throws -> [Float] { try XCTUnwrap(any as? [Double]).map(Float.init) }

    /// Elementwise `|a − b| ≤ rel · max(|b|, floor)`; `floor` defaults to 1e-3 (parameters), moments pass the
    /// tensor's max |b|: the moments of near-cancelling gradients are tiny differences of large terms, and
    /// torch's float32 norm reduction order (not reproduced) moves the clip coefficient by an ulp.
    private func assertClose(_ a: [Float], _ b: [Float], rel: Float = 1e-6, floor: Float = 1e-3, _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > rel * max(abs(y), floor) {
            XCTFail("\(what)[\(i)]: \(x) vs reference \(y)")
            return
        }
    }

    private func schedule(_ s: [String: Any], baseLR: Double) throws -> LRSchedule {
        let kind = try XCTUnwrap(LRSchedule.Kind(rawValue: s["kind"] as! String))
        return try LRSchedule(kind: kind, warmupSteps: s["warmup_steps"] as? Int ?? 0,
                              trainingSteps: s["num_training_steps"] as? Double ?? 0, lrInit: baseLR,
                              lrEnd: s["lr_end"] as? Double ?? 1e-7, power: s["power"] as? Double ?? 1)
    }

    func testScheduleFactorsMatchTransformers() throws {
        for case let entry as [String: Any] in try fixture()["schedule_factors"] as! [Any] {
            let s = try schedule(entry["schedule"] as! [String: Any], baseLR: entry["base_lr"] as! Double)
            let expected = entry["factors"] as! [Double]
            for (i, f) in expected.enumerated() {
                XCTAssertEqual(s.factor(i), f, accuracy: 1e-12 * max(1, abs(f)), "\(s.kind) f(\(i))")
            }
        }
    }

    func testAdamWClipScheduleMatchTorch() throws {
        for case let sc as [String: Any] in try fixture()["scenarios"] as! [Any] {
            let cfg = sc["scenario"] as! [String: Any]
            let name = cfg["name"] as! String
            let shapes = sc["shapes"] as! [String: [Int]]
            let initial = sc["initial"] as! [String: Any]
            let order = ["encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
                         "embeddings.LayerNorm.weight", "model.encoder.layers.0.final_layer_norm.weight", "model.shared.weight", "extra.bias"]
            let params = try order.map { n in (name: n, tensor: parameter(try Tensor(shape: shapes[n]!, scalars: try floats(initial[n])))) }
            let betas = cfg["betas"] as! [Double]
            let lr = cfg["lr"] as! Double
            let opt = try AdamW(parameters: params, learningRate: lr, betas: (betas[0], betas[1]), eps: cfg["eps"] as! Double,
                                weightDecay: cfg["weight_decay"] as! Double)
            if (cfg["weight_decay"] as! Double) > 0 {
                XCTAssertEqual(opt.decayedNames, ["encoder.layer.0.attention.self.query.weight",
                                                  "model.encoder.layers.0.final_layer_norm.weight", "model.shared.weight"])
            }
            let sched = try schedule(cfg["schedule"] as! [String: Any], baseLR: lr)
            for case let rec as [String: Any] in sc["steps"] as! [Any] {
                let k = rec["step"] as! Int
                let grads = rec["grads"] as! [String: Any]
                for p in params {
                    p.tensor.zeroGrad()
                    if let g = grads[p.name] { p.tensor.grad = try Tensor(shape: p.tensor.shape, scalars: try floats(g)) }
                }
                opt.learningRate = sched.learningRate(base: lr, update: k)
                XCTAssertEqual(opt.learningRate, rec["lr"] as! Double, accuracy: 1e-15, "\(name) step \(k) lr")
                if let maxNorm = cfg["max_grad_norm"] as? Double {
                    let (total, coef) = try GradClip.clip(params.map(\.tensor), maxNorm: maxNorm)
                    XCTAssertEqual(Double(total), rec["total_norm"] as! Double, accuracy: 1e-6 * (rec["total_norm"] as! Double))
                    XCTAssertEqual(Double(coef), rec["clip_coef"] as! Double, accuracy: 1e-6 * (rec["clip_coef"] as! Double))
                }
                try opt.step()
                let expected = rec["params"] as! [String: Any]
                for p in params { assertClose(p.tensor.scalars, try floats(expected[p.name]), "\(name) step \(k) \(p.name)") }
                let state = opt.stateTensors()
                for (key, ref) in [("exp_avg", "shared_exp_avg"), ("exp_avg_sq", "shared_exp_avg_sq")] {
                    let expectedMoment = try floats(rec[ref])
                    assertClose(state[key + ".model.shared.weight"]!.scalars, expectedMoment,
                                floor: expectedMoment.map(abs).max()!, "\(name) step \(k) \(key)")
                }
                let counts = rec["step_counts"] as! [String: Int]
                XCTAssertEqual(opt.stepCounts, order.map { counts[$0]! }, "\(name) step \(k) counts")
            }
        }
    }

    /// Save after 4 steps, restore into a fresh optimizer, continue: identical to never stopping.
    func testStateRoundTripResumesExactly() throws {
        func make() throws -> ([(name: String, tensor: Tensor)], AdamW) {
            let rng = RNG(seed: 5)
            let ps = try [("a.weight", [3, 4]), ("a.bias", [4]), ("LayerNorm.weight", [4])].map {
                (name: $0.0, tensor: parameter(try Tensor.randn($0.1, generator: rng)))
            }
            return (ps, try AdamW(parameters: ps, learningRate: 0.01, weightDecay: 0.1))
        }
        func run(_ ps: [(name: String, tensor: Tensor)], _ opt: AdamW, steps: Range<Int>) throws {
            for k in steps {
                let g = RNG(seed: UInt64(100 + k))
                for p in ps where !(k < 2 && p.name == "a.bias") { p.tensor.grad = try Tensor.randn(p.tensor.shape, generator: g) }
                try opt.step(); opt.zeroGrad()
            }
        }
        let (p1, o1) = try make()
        try run(p1, o1, steps: 0..<8)
        let (p2, o2) = try make()
        try run(p2, o2, steps: 0..<4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("optim-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try o2.save(to: dir)
        let saved = p2.map { $0.tensor.copied() }
        let (p3, o3) = try make()
        for (a, b) in zip(p3, saved) { try a.tensor.assign(b) }
        try o3.load(from: dir)
        try run(p3, o3, steps: 4..<8)
        for (a, b) in zip(p1, p3) { XCTAssertEqual(a.tensor.scalars, b.tensor.scalars, a.name) }

        let other = try AdamW(parameters: p3, learningRate: 0.02, weightDecay: 0.1)
        XCTAssertThrowsError(try other.load(from: dir)) { XCTAssertTrue("\($0)".contains("hyperparameters"), "\($0)") }
        let fewer = try AdamW(parameters: Array(p3.prefix(2)), learningRate: 0.01, weightDecay: 0.1)
        XCTAssertThrowsError(try fewer.load(from: dir)) { XCTAssertTrue("\($0)".contains("LayerNorm.weight"), "\($0)") }
    }

    func testClipLeavesSmallGradientsAndRejectsNonFinite() throws {
        let a = parameter(try Tensor(shape: [2], scalars: [1, 2]))
        a.grad = try Tensor(shape: [2], scalars: [0.3, 0.4])
        let (n, c) = try GradClip.clip([a], maxNorm: 1)
        XCTAssertEqual(n, 0.5, accuracy: 1e-7)
        XCTAssertEqual(c, 1)
        XCTAssertEqual(a.grad!.scalars, [0.3, 0.4])
        a.grad = try Tensor(shape: [2], scalars: [.nan, 1])
        XCTAssertThrowsError(try GradClip.clip([a], maxNorm: 1))
    }

    func testAccumulationStepsEveryKAndAtEpochEnd() throws {
        var acc = try GradientAccumulation(steps: 3)
        XCTAssertEqual(acc.lossScale, 1 / 3)
        let pattern = (0..<7).map { acc.microBatchDone(lastOfEpoch: $0 == 6) }
        XCTAssertEqual(pattern, [false, false, true, false, false, true, true])
        XCTAssertThrowsError(try GradientAccumulation(steps: 0))
    }

    func testPolynomialRejectsEndAboveInitAndRNGStateRoundTrips() throws {
        XCTAssertThrowsError(try LRSchedule(kind: .polynomial, trainingSteps: 10, lrInit: 1e-8, lrEnd: 1e-7))
        let r = RNG(seed: 9)
        _ = r.normal()  // leaves a cached sample
        let data = try JSONEncoder().encode(r.state)
        let copy = RNG(seed: 0)
        copy.state = try JSONDecoder().decode(RNG.State.self, from: data)
        XCTAssertEqual((0..<5).map { _ in copy.normal() }, (0..<5).map { _ in r.normal() })
    }
}
