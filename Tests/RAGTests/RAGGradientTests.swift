import Foundation
import KB
import Models
import Tensor
import XCTest

/// docs/rag-parity.md §4: gradients of all three networks after `loss.backward()` of the RAG-token loss
/// (ε 0.1, batch sum), per tensor within `1e-3·‖g_tensor‖ + 1e-6·‖g_all‖` (the absolute term covers the
/// mathematically-zero gradients: attention key biases, the ctx encoder's last LayerNorm bias).
final class RAGGradientTests: XCTestCase {
    func norm(_ xs: [Float]) -> Double { xs.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    func globalNorm(_ f: RAGFixture, _ section: String) throws -> Double {
        let nets = try XCTUnwrap(try f.section(section)["grad_norms"] as? [String: [String: Any]])
        return nets.values.flatMap { $0.values.compactMap { $0 as? Double } }.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// Runs forward + backward and returns `network.name -> grad` for every parameter of `m`.
    func gradients(_ m: RagForGeneration, _ f: RAGFixture) throws -> [String: Tensor?] {
        m.train()
        m.zeroGrad()
        let out = try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, reduceLoss: true)
        try XCTUnwrap(out.loss).backward()
        var g: [String: Tensor?] = [:]
        for (name, p) in m.questionEncoder.namedParameters() { g["question_encoder." + name] = p.grad }
        for (name, p) in m.generator.namedParameters() { g["generator." + name] = p.grad }
        for (name, p) in m.contextEncoder?.namedParameters() ?? [] { g["ctx_encoder." + name] = p.grad }
        return g
    }

    func compare(_ got: [String: Tensor?], file: String, gAll: Double) throws -> Int {
        let want = try SafeTensors.read(RAGFixture.dir.appendingPathComponent(file))
        XCTAssertFalse(want.isEmpty)
        for (name, w) in want {
            let g = try XCTUnwrap(try XCTUnwrap(got[name], "no parameter \(name)"), "\(name) has no gradient")
            XCTAssertEqual(g.shape, w.shape, name)
            let bound = 1e-3 * norm(w.scalars) + 1e-6 * gAll
            let d = Double(maxAbsDiff(g.scalars, w.scalars))
            XCTAssertLessThanOrEqual(d, bound, "\(name): max |Δg| \(d), bound \(bound)")
        }
        return want.count
    }

    func testEndToEndGradientsReachAllThreeNetworks() throws {
        let f = try RAGFixture()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: true)
        XCTAssertEqual(m.namedParameters().count, 165)
        XCTAssertTrue(m.namedParameters().contains { $0.name.hasPrefix("rag.ctx_encoder.ctx_encoder.bert_model.") })
        let g = try gradients(m, f)
        let gAll = try globalNorm(f, "rag_token_end2end")
        XCTAssertEqual(gAll, 3733.5, accuracy: 0.5)
        XCTAssertEqual(try compare(g, file: "grads_token_end2end.safetensors", gAll: gAll), 161)
        // Position tables are left out of the file; their norms are in rag.json.
        let norms = try XCTUnwrap(try f.section("rag_token_end2end")["grad_norms"] as? [String: [String: Any]])
        for (net, prefix) in [("question_encoder", "question_encoder."), ("ctx_encoder", "ctx_encoder."), ("generator", "generator.")] {
            for (name, value) in try XCTUnwrap(norms[net]) where name.hasSuffix("position_embeddings.weight") {
                let want = try XCTUnwrap(value as? Double)
                let t = try XCTUnwrap(try XCTUnwrap(g[prefix + name], name))
                XCTAssertEqual(norm(t.scalars), want, accuracy: 1e-3 * want + 1e-6 * gAll, name)
            }
        }
    }

    func testOriginalRAGLeavesTheContextEncoderWithoutGradient() throws {
        let f = try RAGFixture()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: false)
        XCTAssertEqual(m.namedParameters().count, 128)
        let g = try gradients(m, f)
        XCTAssertEqual(try compare(g, file: "grads_token_standard.safetensors", gAll: try globalNorm(f, "rag_token_standard")), 36)
        XCTAssertNil(m.contextEncoder)
        XCTAssertFalse(m.namedParameters().contains { $0.name.contains("ctx_encoder") })
    }
}
