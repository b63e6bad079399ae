import Foundation
import KB
import Models
import NN
import Tensor
import XCTest

/// The end-to-end RAG-token training step of the fixture (three networks, docs/rag-parity.md §8) in bfloat16
/// against float32: from the same weights, the fixture's three AdamW updates each. Each loss must be within 1% of
/// float32's, or within the deviation PyTorch's own bf16 autocast shows on the same updates when that is larger
/// (test_dir/fixtures/rag/train_step_autocast.json, `scripts/fixtures/rag_train_step.py --autocast`: this tiny
/// model with large initial weights moves ~4% per update, and autocast ends 2.35% from float32 after three). The
/// bfloat16 run must really differ (when this CPU has the kernels; otherwise both are float32 and equal).
final class RAGMixedPrecisionTests: XCTestCase {
    func losses(_ precision: Precision) throws -> [Float] {
        let f = try RAGFixture()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: true)
        m.train()
        // The fixture's hyperparameters: AdamW weight decay 0.1, gradient clipping at norm 0.1, the linear schedule
        // with 1 warm-up update over 4 (learning rates 0, 3e-5, 2e-5), label smoothing 0.1.
        let opt = try AdamW(parameters: m.namedParameters(), learningRate: 3e-5, eps: 1e-8, weightDecay: 0.1)
        return try Precision.with(precision) {
            try [0, 3e-5, 2e-5, nil].map { (lr: Double?) in
                let out = try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, reduceLoss: true, labelSmoothing: 0.1)
                let loss = try XCTUnwrap(out.loss)
                if let lr {
                    try loss.backward()
                    _ = try GradClip.clip(m.namedParameters().map(\.tensor), maxNorm: 0.1)
                    opt.learningRate = lr
                    try opt.step()
                    opt.zeroGrad()
                }
                return try loss.item()
            }
        }
    }

    func testThreeUpdatesInBF16StayWithinOnePercentOrThePeersDeviation() throws {
        let f32 = try losses(.float32), b16 = try losses(.bfloat16)
        let peer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: RAGFixture.dir.appendingPathComponent("train_step_autocast.json"))) as? [String: Any])
        let peerLosses = try XCTUnwrap(peer["losses"] as? [Double]) + [try XCTUnwrap(peer["loss_after_3_steps"] as? Double)]
        // The fixture's float32 losses: 243.86 (before the first update, and after it: learning rate 0), 234.85, 230.76.
        XCTAssertEqual(Double(f32[3]), 230.761734, accuracy: 1e-3)
        for (i, (a, b)) in zip(f32, b16).enumerated() {
            let peerDeviation = abs(peerLosses[i] - Double(a)) / abs(Double(a))
            let bound = max(0.01, peerDeviation) * Double(abs(a))
            XCTAssertLessThanOrEqual(Double(abs(a - b)), bound, "loss \(i): float32 \(a), bf16 \(b), peer bf16 \(peerLosses[i])")
        }
        XCTAssertLessThan(f32[3], f32[0], "the updates lower the loss")
        if Precision.bfloat16Available { XCTAssertNotEqual(f32, b16, "bfloat16 products really ran") }
    }
}
