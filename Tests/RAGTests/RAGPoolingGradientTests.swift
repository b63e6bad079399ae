import Foundation
import KB
import Models
import Tensor
import XCTest

/// End-to-end RAG with `ragtime_pooling: "mean_normalized"` on both DPR encoders (all-MiniLM-L6-v2's pooling, the
/// SQuAD experiment's) against transformers' RagTokenForGeneration whose encoders pool the same way
/// (test_dir/fixtures/rag/pooling_mean_normalized.json, scripts/fixtures/rag_pooling.py): question vectors,
/// retrieval, doc scores, loss and the question and context encoders' gradients, per tensor within
/// `1e-3·‖g_tensor‖ + 1e-6·‖g_all‖` as the [CLS] gradients are checked.
final class RAGPoolingGradientTests: XCTestCase {
    /// The fixture's encoder folder with `ragtime_pooling` added to its config.json.
    private func encoder(_ name: String) throws -> DPREncoder {
        let source = RAGFixture.dir.appendingPathComponent(name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-pooling-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        config["ragtime_pooling"] = "mean_normalized"
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: dir.appendingPathComponent("model.safetensors"))
        let e = try DPREncoder.load(from: dir)
        XCTAssertEqual(e.config.pooling, .meanNormalized)
        return e
    }

    private func norm(_ xs: [Float]) -> Double { xs.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    func testEndToEndWithMeanNormalizedPoolingMatchesTransformers() throws {
        let f = try RAGFixture()
        let want = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: RAGFixture.dir.appendingPathComponent("pooling_mean_normalized.json"))) as? [String: Any])
        let m = try RagTokenForGeneration(config: try f.ragConfig, questionEncoder: try encoder("question_encoder"),
                                          generator: try BartModel.load(from: RAGFixture.dir.appendingPathComponent("generator")),
                                          retriever: f.kb, questionTokenizer: f.dprTokenizer, generatorTokenizer: f.bartTokenizer)
        try m.setContextEncoderForTraining(try encoder("ctx_encoder"))
        m.setContextEncoderTokenizer(f.dprTokenizer)
        m.train()
        m.zeroGrad()
        let out = try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, reduceLoss: true)

        let wantQ = try XCTUnwrap(want["question_vectors"] as? [[Double]]).flatMap { $0.map(Float.init) }
        XCTAssertLessThanOrEqual(maxAbsDiff(out.questionPooled.scalars, wantQ), 1e-5)
        XCTAssertEqual(out.context.documents.docIds, try XCTUnwrap(want["retrieved_doc_ids"] as? [[Int]]).flatMap { $0 })
        let wantScores = try XCTUnwrap(want["doc_scores"] as? [[Double]]).flatMap { $0.map(Float.init) }
        XCTAssertLessThanOrEqual(maxAbsDiff(out.docScores.scalars, wantScores), 1e-5)
        let loss = try XCTUnwrap(out.loss)
        assertRelative(loss.scalars[0], try XCTUnwrap(want["loss"] as? Double), 1e-5, "loss")

        try loss.backward()
        var got: [String: Tensor] = [:]
        for (name, p) in m.questionEncoder.namedParameters() { got["question_encoder." + name] = p.grad }
        for (name, p) in m.contextEncoder?.namedParameters() ?? [] { got["ctx_encoder." + name] = p.grad }
        let gAll = try XCTUnwrap(want["grad_norm_all"] as? Double)
        let reference = try SafeTensors.read(RAGFixture.dir.appendingPathComponent("grads_token_end2end_mean_normalized.safetensors"))
        XCTAssertEqual(reference.count, 72)
        for (name, w) in reference {
            let g = try XCTUnwrap(got[name], "\(name) has no gradient")
            let bound = 1e-3 * norm(w.scalars) + 1e-6 * gAll
            XCTAssertLessThanOrEqual(Double(maxAbsDiff(g.scalars, w.scalars)), bound, name)
        }
        // the context encoder is trained through these doc scores: its gradient is not negligible
        let ctxNorm = got.filter { $0.key.hasPrefix("ctx_encoder.") }.values.reduce(0) { $0 + norm($1.scalars) * norm($1.scalars) }.squareRoot()
        XCTAssertGreaterThan(ctxNorm, 0)
    }
}
