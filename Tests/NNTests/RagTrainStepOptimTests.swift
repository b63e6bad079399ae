import Foundation
import NN
import Tensor
import TestSupport
import XCTest

/// AdamW + schedule against the RAG end-to-end training fixture (test_dir/fixtures/rag/train_step.json,
/// docs/rag-parity.md §8): decay groups over the 165 real parameter names, and the 3 recorded updates of
/// the tracked elements (AdamW is elementwise, so the recorded clipped gradients of 4 elements per
/// tensor replay it exactly).
final class RagTrainStepOptimTests: XCTestCase {
    private func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: RepoPaths.url("test_dir/fixtures/rag/train_step.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testDecayGroupsOfTheRAGParameterNames() throws {
        let f = try fixture()
        let decay = f["decay_group_names"] as! [String], noDecay = f["no_decay_group_names"] as! [String]
        let params = try (decay + noDecay).map { (name: $0, tensor: parameter(try Tensor.zeros([1]))) }
        let opt = try AdamW(parameters: params, learningRate: 1e-3, weightDecay: 0.1)
        XCTAssertEqual(opt.decayedNames, decay)
        XCTAssertEqual(opt.undecayedNames, noDecay)
        XCTAssertTrue(decay.contains("rag.generator.model.encoder.layernorm_embedding.weight"))
    }

    func testTrackedElementsOverThreeSteps() throws {
        let f = try fixture()
        let h = f["hyperparameters"] as! [String: Any]
        let betas = h["betas"] as! [Double]
        let tracked = f["tracked"] as! [String: [String: Any]]
        let names = tracked.keys.sorted()
        let params = try names.map { n in
            (name: n, tensor: parameter(try Tensor(shape: [4], scalars: (tracked[n]!["initial"] as! [Double]).map(Float.init))))
        }
        let lr = h["lr"] as! Double
        let opt = try AdamW(parameters: params, learningRate: lr, betas: (betas[0], betas[1]), eps: h["adam_epsilon"] as! Double,
                            weightDecay: h["weight_decay"] as! Double)
        let schedule = try LRSchedule(kind: .linear, warmupSteps: h["warmup_steps"] as! Int, trainingSteps: h["num_training_steps"] as! Double)
        for case let step as [String: Any] in f["steps"] as! [Any] {
            let k = step["step"] as! Int
            opt.learningRate = schedule.learningRate(base: lr, update: k)
            XCTAssertEqual(opt.learningRate, step["lr"] as! Double, accuracy: 1e-12)
            let grads = step["tracked_clipped_grads"] as! [String: [Double]]
            for p in params { p.tensor.grad = try Tensor(shape: [4], scalars: grads[p.name]!.map(Float.init)) }
            try opt.step()
            let values = step["tracked_values_after"] as! [String: [Double]]
            let m = step["tracked_exp_avg_after"] as! [String: [Double]], v = step["tracked_exp_avg_sq_after"] as! [String: [Double]]
            let state = opt.stateTensors()
            for p in params {
                for (got, want, what) in [(p.tensor.scalars, values[p.name]!, "value"), (state["exp_avg." + p.name]!.scalars, m[p.name]!, "exp_avg"),
                                          (state["exp_avg_sq." + p.name]!.scalars, v[p.name]!, "exp_avg_sq")] {
                    let scale = want.map(abs).max()!
                    for (g, w) in zip(got, want) {
                        XCTAssertEqual(Double(g), w, accuracy: 1e-6 * scale, "step \(k) \(what) \(p.name)")
                    }
                }
            }
        }
    }
}
