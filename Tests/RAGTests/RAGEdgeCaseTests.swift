import Foundation
import KB
import Models
import Tensor
import Tokenizers
import XCTest

/// docs/rag-parity.md §6 (n_docs larger than the KB) and input errors.
final class RAGEdgeCaseTests: XCTestCase {
    nonisolated(unsafe) static let fixture = Result { try RAGFixture() }

    /// Default: a clear error instead of silently duplicating the last passage.
    func testTooManyDocsIsAnErrorByDefault() throws {
        let f = try Self.fixture.get()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: false)
        XCTAssertThrowsError(try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, nDocs: 8)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("only 6 of n_docs = 8 documents for question 0"), text)
        }
    }

    /// `.reference` reproduces transformers: ids −1 → last passage's text, zero vector, doc score 0.
    func testReferencePolicyReproducesTransformers() throws {
        let f = try Self.fixture.get()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: false)
        m.missingDocuments = .reference
        let out = try Tensor.withNoGrad { try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, nDocs: 8, reduceLoss: true) }
        XCTAssertEqual(out.context.documents.docIds, try f.ints("n_docs_exceeds_kb", "doc_ids").flatMap { $0 })
        let titles = try XCTUnwrap(try f.section("n_docs_exceeds_kb")["titles"] as? [[String]])
        XCTAssertEqual(out.context.documents.titles, titles.flatMap { $0 })
        XCTAssertEqual(out.context.documents.texts[6], f.kb.passages[5].text)
        XCTAssertLessThanOrEqual(maxAbsDiff(out.docScores.scalars, try f.floats("n_docs_exceeds_kb", "doc_scores").flatMap { $0 }), 1e-4)
        assertRelative(try XCTUnwrap(out.loss).item(), 243.746689, 1e-5, "n_docs 8 loss")
    }

    func testInputErrorsNameTheProblem() throws {
        let f = try Self.fixture.get()
        let m = try f.model(RagSequenceForGeneration.self, endToEnd: false)
        let short = try IntTensor(shape: [2, 18], scalars: Array(repeating: 1, count: 36))
        XCTAssertThrowsError(try m(inputIds: f.inputIds, labels: short)) { XCTAssertTrue("\($0)".contains("must be [3, T]"), "\($0)") }
        XCTAssertThrowsError(try m(inputIds: f.inputIds)) { XCTAssertTrue("\($0)".contains("needs labels"), "\($0)") }
        // A context encoder without its tokenizer cannot re-encode documents.
        try m.setContextEncoderForTraining(try DPREncoder.load(from: RAGFixture.dir.appendingPathComponent("ctx_encoder")))
        XCTAssertFalse(m.isEndToEnd)
        XCTAssertThrowsError(try m.retrieve(inputIds: f.inputIds, questionPooled: try m.encodeQuestions(inputIds: f.inputIds),
                                            tokenizeForContextEncoder: true)) {
            XCTAssertTrue("\($0)".contains("setContextEncoderTokenizer"), "\($0)")
        }
        let q = try DPREncoder.load(from: RAGFixture.dir.appendingPathComponent("question_encoder"))
        XCTAssertThrowsError(try m.setContextEncoderForTraining(q)) { XCTAssertTrue("\($0)".contains("context encoder"), "\($0)") }
        m.retriever = nil
        XCTAssertThrowsError(try m(inputIds: f.inputIds, labels: f.labels)) { XCTAssertTrue("\($0)".contains("no retriever"), "\($0)") }
    }

    /// The KB's PassageEncoder conformance reproduces the stored embeddings of the fixture KB
    /// (kb_encoder, titles/texts as pairs, ids only).
    func testDPRPassageEncoderReproducesTheKBEmbeddings() throws {
        let f = try Self.fixture.get()
        let enc = try DPRPassageEncoder(encoder: try DPREncoder.load(from: RAGFixture.dir.appendingPathComponent("kb_encoder")),
                                        tokenizer: f.dprTokenizer)
        let kb = KnowledgeBase(passages: f.kb.passages, manifest: f.kb.manifest)
        try kb.encode(with: enc, batchSize: 16)
        XCTAssertLessThanOrEqual(maxAbsDiff(try XCTUnwrap(kb.embeddings), try XCTUnwrap(f.kb.embeddings)), 1e-4)
        XCTAssertEqual(kb.dimension, 32)
        XCTAssertFalse(kb.isStale(for: enc))
        let other = try DPRPassageEncoder(encoder: try DPREncoder.load(from: RAGFixture.dir.appendingPathComponent("ctx_encoder")),
                                          tokenizer: f.dprTokenizer)
        XCTAssertTrue(kb.isStale(for: other))
    }
}
