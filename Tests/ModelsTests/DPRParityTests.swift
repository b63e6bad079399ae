import Foundation
import NN
import Tensor
import XCTest
@testable import Models

/// DPR encoders against transformers (scripts/fixtures/models.py, dpr.*): hidden states and pooled
/// outputs 1e-4, in-batch loss 1e-5 relative, gradients 1e-3 relative.
final class DPRParityTests: XCTestCase {
    func testForwardLossAndGradientsMatchTransformers() throws {
        let fx = try ModelFixture("dpr")
        let q = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        let c = try DPREncoder.load(from: ModelFixture.folder("dpr_ctx"))
        XCTAssertEqual(q.kind, .question)
        XCTAssertEqual(c.kind, .context)
        let ids = try fx.ints("input_ids"), mask = try fx.ints("attention_mask"), types = try fx.ints("token_type_ids")

        let qo = try q(inputIds: ids, attentionMask: mask)
        let co = try c(inputIds: ids)                       // mask derived from padding
        assertClose(qo.lastHiddenState, try fx.tensor("question.last_hidden_state"), atol: 1e-4, "question hidden")
        assertClose(qo.pooled, try fx.tensor("question.pooled"), atol: 1e-4, "question pooled")
        assertClose(co.lastHiddenState, try fx.tensor("ctx.last_hidden_state"), atol: 1e-4, "ctx hidden")
        assertClose(co.pooled, try fx.tensor("ctx.pooled"), atol: 1e-4, "ctx pooled")
        let typed = try q(inputIds: ids, attentionMask: mask, tokenTypeIds: types)
        assertClose(typed.pooled, try fx.tensor("question.pooled_token_types"), atol: 1e-4, "pooled with token types")

        let scores = try qo.pooled.matmul(co.pooled, transposeB: true)
        let loss = try Tensor.crossEntropy(logits: scores, targets: IntTensor([0, 1, 2]))
        let expected = Float(try XCTUnwrap(fx.json["loss"] as? Double))
        XCTAssertEqual(try loss.item(), expected, accuracy: abs(expected) * 1e-5)
        try loss.backward()
        try assertGradientsMatch(fx, q, c)
    }

    /// The fixture's named gradients (at least five) against the encoders' `.grad`, 1e-3 relative.
    private func assertGradientsMatch(_ fx: ModelFixture, _ q: DPREncoder, _ c: DPREncoder,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let params = Dictionary(uniqueKeysWithValues: (q.namedParameters() + c.namedParameters()).map { ($0.name, $0.tensor) })
        let names = try XCTUnwrap(fx.json["grad_names"] as? [String], file: file, line: line)
        XCTAssertGreaterThanOrEqual(names.count, 5, file: file, line: line)
        for name in names {
            let grad = try XCTUnwrap(params[name]?.grad, "no gradient for \(name)", file: file, line: line)
            assertRelClose(grad, try fx.tensor("grad." + name), rtol: 1e-3, name, file: file, line: line)
        }
    }

    /// `pooled(...)` computes only the CLS position in the last layer; it must give transformers' pooled
    /// outputs and, through the same loss, the same gradients (the path retrieval and RAG training use).
    func testPooledShortcutMatchesTransformers() throws {
        let fx = try ModelFixture("dpr")
        let q = try DPREncoder.load(from: ModelFixture.folder("dpr_question"))
        let c = try DPREncoder.load(from: ModelFixture.folder("dpr_ctx"))
        let ids = try fx.ints("input_ids"), mask = try fx.ints("attention_mask")
        let qp = try q.pooled(inputIds: ids, attentionMask: mask), cp = try c.pooled(inputIds: ids)
        XCTAssertEqual(qp.shape, [ids.shape[0], q.outputDim])
        assertClose(qp, try fx.tensor("question.pooled"), atol: 1e-4, "question pooled (CLS-only last layer)")
        assertClose(cp, try fx.tensor("ctx.pooled"), atol: 1e-4, "ctx pooled (CLS-only last layer)")
        let loss = try Tensor.crossEntropy(logits: qp.matmul(cp, transposeB: true), targets: IntTensor([0, 1, 2]))
        let expected = Float(try XCTUnwrap(fx.json["loss"] as? Double))
        XCTAssertEqual(try loss.item(), expected, accuracy: abs(expected) * 1e-5)
        try loss.backward()
        try assertGradientsMatch(fx, q, c)
        let proj = try DPREncoder.load(from: ModelFixture.folder("dpr_question_proj"))
        assertClose(try proj.pooled(inputIds: ids, attentionMask: mask), try fx.tensor("question_proj.pooled"), atol: 1e-4,
                    "projected pooled (CLS-only last layer)")
    }

    /// Columns that are padding in every row are skipped by `pooled` (TrailingPadding) without changing
    /// it; a row without any token keeps the full width (its attention is uniform over all columns).
    func testPooledIgnoresAnAllPaddingTail() throws {
        let fx = try ModelFixture("dpr")
        let c = try DPREncoder.load(from: ModelFixture.folder("dpr_ctx"))
        let ids = try fx.ints("input_ids"), mask = try fx.ints("attention_mask")
        func widened(_ t: IntTensor, by extra: Int) throws -> IntTensor {
            let (rows, l) = (t.shape[0], t.shape[1])
            return try IntTensor(shape: [rows, l + extra], scalars: (0..<rows).flatMap {
                Array(t.scalars[($0 * l)..<(($0 + 1) * l)]) + Array(repeating: 0, count: extra) })
        }
        let wide = try c.pooled(inputIds: widened(ids, by: 9), attentionMask: widened(mask, by: 9))
        assertClose(wide, try fx.tensor("ctx.pooled"), atol: 1e-4, "pooled with 9 extra padding columns")
        var emptyRow = try widened(mask, by: 9)
        for j in 0..<emptyRow.shape[1] { emptyRow.scalars[j] = 0 }
        let withEmpty = try c.pooled(inputIds: widened(ids, by: 9), attentionMask: emptyRow)
        let reference = try c(inputIds: widened(ids, by: 9), attentionMask: emptyRow).pooled
        assertClose(withEmpty, reference, atol: 1e-4, "pooled with a token-less row equals the full-width forward")
    }

    func testProjectionPoolsToProjectionDim() throws {
        let fx = try ModelFixture("dpr")
        let m = try DPREncoder.load(from: ModelFixture.folder("dpr_question_proj"))
        XCTAssertEqual(m.outputDim, 16)
        let out = try m(inputIds: fx.ints("input_ids"), attentionMask: fx.ints("attention_mask"))
        assertClose(out.lastHiddenState, try fx.tensor("question_proj.last_hidden_state"), atol: 1e-4, "proj hidden")
        assertClose(out.pooled, try fx.tensor("question_proj.pooled"), atol: 1e-4, "proj pooled")
    }
}
