import Foundation
import Tensor
import TestSupport
import XCTest

/// Data-parallel fine-tuning (`test_dir/scripts/finetune_parallel.rag`: tiny end-to-end RAG, dropout off, a
/// global micro-batch of 4 questions, accumulation 2, a synchronous KB refresh every 2 micro-batches, 6 updates):
/// 2 ranks with 2 questions each must train the weights one process trains with 4.
///
/// Tolerance. The ranks' gradients are summed in a different order than one process sums its batch, so results
/// agree to float32 reduction error (measured: <= 1.2e-5 after 6 updates for every ordinary parameter; one
/// process with 1 thread against 2 threads differs as much). Parameters whose gradient is zero in exact
/// arithmetic (attention key biases: a constant added to every key's score; the context encoder's last
/// LayerNorm bias: a constant added to every passage's score) receive only rounding noise, which AdamW turns
/// into steps of up to the learning rate (0.002) per update in either run; they are held to 6 x 0.002.
final class DataParallelTests: XCTestCase {
    static let script = "test_dir/scripts/finetune_parallel.rag"
    static let ordinary: Float = 1e-4
    static let noiseDriven: Float = 6 * 0.002

    static func isNoiseDriven(_ name: String) -> Bool {
        name.hasSuffix("key.bias") || name.hasSuffix("k_proj.bias") || name.hasPrefix("ctx_encoder.") && name.hasSuffix("layer.0.output.LayerNorm.bias")
    }

    func testTwoRanksTrainTheWeightsOfOneProcessWithTheGlobalBatch() throws {
        let base = MPIJob.scratch("dp")
        defer { try? FileManager.default.removeItem(at: base) }
        let one = base.appendingPathComponent("one"), two = base.appendingPathComponent("two")
        try train(0, one)
        try train(2, two)
        let maxLayerNormBias = try compare(one, two)
        // The refreshed KB: every passage vector is shifted by the noise-driven LayerNorm bias difference.
        try assertClose(one, two, "checkpoint3/trainer_state/kb/embeddings.safetensors", tolerance: { _ in maxLayerNormBias + Self.ordinary })
        // Validation metrics, gathered from both ranks, as one process computes them.
        let m1 = try metrics(one), m2 = try metrics(two)
        XCTAssertEqual(m1.count, 3)
        for (x, y) in zip(m1, m2) { XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x))) }
    }

    /// A rank killed after the first checkpoint ends the job; `resume` on 2 ranks continues from that checkpoint
    /// to the uninterrupted run's weights (bit for bit), and so does `resume` on 1 process within the tolerance.
    func testResumeAfterAKilledRankOnTheSameOrAnotherNumberOfRanks() throws {
        let base = MPIJob.scratch("dp-resume")
        defer { try? FileManager.default.removeItem(at: base) }
        let full = base.appendingPathComponent("full"), killed = base.appendingPathComponent("killed")
        try train(2, full)

        let marker = killed.path
        let p = try MPIJob.start(2, ["run", Self.script, "--", marker])
        let checkpoint = killed.appendingPathComponent("checkpoint1/trainer_state/trainer_state.json").path
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline { usleep(10_000) }
        let victim = MPIJobTests.rankProcess(marker: marker, rank: 1)
        XCTAssertNotNil(victim, "rank 1 had ended before checkpoint 1 was complete")
        if let victim { kill(victim, SIGKILL) }
        let killedAt = Date()
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(killedAt), 20)
        XCTAssertNotEqual(p.terminationStatus, 0)
        let done = (try? FileManager.default.contentsOfDirectory(atPath: killed.path)) ?? []
        XCTAssertFalse(done.contains("checkpoint3"), "killed after the last checkpoint: the test proves nothing")

        let copy = base.appendingPathComponent("killed-copy")
        try FileManager.default.copyItem(at: killed, to: copy)
        try train(2, killed, resume: true)
        for file in ["checkpoint3/model.safetensors", "dpr_ctx_checkpoint/checkpoint3/model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: full.appendingPathComponent(file)), try Data(contentsOf: killed.appendingPathComponent(file)), file)
        }
        try train(0, copy, resume: true)
        try compare(full, copy)
    }

    /// A complete run of the script on `ranks` (0: without mpirun) into `folder`; only rank 0 prints.
    func train(_ ranks: Int, _ folder: URL, resume: Bool = false) throws {
        let r = try MPIJob.run(ranks, ["run", Self.script, "--", folder.path] + (resume ? ["resume"] : []))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "steps 6, checkpoints [1, 2, 3]\n")
    }

    /// Compares the final RAG and context-encoder weights; returns the context encoder's LayerNorm-bias difference.
    @discardableResult
    func compare(_ one: URL, _ two: URL, step: Int = 3) throws -> Float {
        try assertClose(one, two, "checkpoint\(step)/model.safetensors") { Self.isNoiseDriven($0) ? Self.noiseDriven : Self.ordinary }
        return try assertClose(one, two, "dpr_ctx_checkpoint/checkpoint\(step)/model.safetensors") {
            Self.isNoiseDriven($0) ? Self.noiseDriven : Self.ordinary
        }
    }

    /// Every tensor of `file` in both folders within `tolerance(name)`; returns the largest difference of a
    /// noise-driven tensor (0 if none).
    @discardableResult
    func assertClose(_ one: URL, _ two: URL, _ file: String, tolerance: (String) -> Float) throws -> Float {
        let x = try SafeTensors.read(one.appendingPathComponent(file)), y = try SafeTensors.read(two.appendingPathComponent(file))
        XCTAssertEqual(Set(x.keys), Set(y.keys), file)
        var noise: Float = 0
        for (name, t) in x {
            guard let u = y[name] else { continue }
            XCTAssertEqual(t.shape, u.shape, "\(file) \(name)")
            let diff = zip(t.scalars, u.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(diff, tolerance(name), "\(file) \(name)")
            if Self.isNoiseDriven(name) { noise = max(noise, diff) }
        }
        return noise
    }

    /// val_avg_loss of every validation in metrics.json.
    func metrics(_ folder: URL) throws -> [Double] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any]
        let val = json?["val"] as? [[String: Any]] ?? []
        return val.compactMap { $0["val_avg_loss"] as? Double }
    }
}
