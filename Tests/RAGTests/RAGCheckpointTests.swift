import Foundation
import KB
import Models
import Tensor
import XCTest

/// docs/rag-parity.md §7: the research project's checkpoint layout, both directions.
final class RAGCheckpointTests: XCTestCase {
    func endToEndLoss(_ m: RagForGeneration, _ f: RAGFixture) throws -> Float {
        try m.setContextEncoderForTraining(try DPREncoder.load(from: RAGFixture.dir.appendingPathComponent("ctx_encoder")))
        m.setContextEncoderTokenizer(f.dprTokenizer)
        return try Tensor.withNoGrad {
            try XCTUnwrap(try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels, reduceLoss: true).loss).item()
        }
    }

    func testLoadsTheTransformersCheckpoint() throws {
        let f = try RAGFixture()
        let m = try RagTokenForGeneration.load(from: RAGFixture.dir.appendingPathComponent("rag_checkpoint"), retriever: f.kb)
        XCTAssertEqual(m.config.labelSmoothing, 0.1)
        XCTAssertEqual(m.config.nDocs, 5)
        assertRelative(try endToEndLoss(m, f), 243.863174, 1e-5, "reloaded end-to-end loss")
    }

    func testSaveWritesTheResearchLayoutAndReloads() throws {
        let f = try RAGFixture()
        let m = try f.model(RagTokenForGeneration.self, endToEnd: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-rag-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try m.save(to: dir, saveStep: 1)
        try m.saveContextEncoder(to: dir.appendingPathComponent("ctx"))
        let record = try f.section("checkpoint")
        let file = try SafeTensors.readFile(dir.appendingPathComponent("model.safetensors"))
        let tensors = file.tensors, metadata = file.metadata
        XCTAssertEqual(Set(tensors.keys), Set(try XCTUnwrap(record["safetensors_keys"] as? [String])))
        XCTAssertEqual(tensors.count, 129)
        XCTAssertEqual(metadata, ["format": "pt"])
        for sub in ["question_encoder_tokenizer/tokenizer.json", "generator_tokenizer/tokenizer.json", "generation_config.json",
                    "ctx/config.json", "ctx/model.safetensors", "ctx/tokenizer.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(sub).path), sub)
        }
        // config.json: the same top-level keys and values as transformers wrote (sub-configs compared parsed).
        let saved = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as? [String: Any])
        let want = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(record["config_json"] as? String).utf8)) as? [String: Any])
        XCTAssertEqual(Set(saved.keys), Set(want.keys))
        for (key, value) in want where !["question_encoder", "generator", "transformers_version"].contains(key) {
            XCTAssertEqual("\(saved[key] ?? "missing")", "\(value)", key)
        }
        XCTAssertEqual(try RagConfig(json: saved), try RagConfig(json: want))
        let back = try RagTokenForGeneration.load(from: dir, retriever: f.kb)
        assertRelative(try endToEndLoss(back, f), 243.863174, 1e-5, "Ragtime-saved checkpoint, reloaded")
    }
}

extension RAGCheckpointTests {
    func testComposeFromQuestionEncoderAndGeneratorFolders() throws {
        let f = try RAGFixture()
        let m = try RagSequenceForGeneration.compose(
            questionEncoder: RAGFixture.dir.appendingPathComponent("question_encoder"),
            generator: RAGFixture.dir.appendingPathComponent("generator"), retriever: f.kb,
            questionTokenizer: f.dprTokenizer, generatorTokenizer: f.bartTokenizer) { $0.labelSmoothing = 0.1; $0.reduceLoss = true }
        XCTAssertEqual(m.config.nDocs, 5)
        XCTAssertEqual(m.config.maxCombinedLength, 300)
        let loss = try Tensor.withNoGrad { try XCTUnwrap(try m(inputIds: f.inputIds, attentionMask: f.attentionMask, labels: f.labels).loss).item() }
        assertRelative(loss, 259.456787, 1e-5, "composed RAG-sequence loss (config reduce_loss, ε 0.1)")
    }
}

extension RAGCheckpointTests {
    /// `rag.load` picks the head from config.json's `architectures`; an unreadable config is an error
    /// naming the file, not a silent RAG-token guess.
    func testCheckpointKindComesFromConfigAndBadConfigsAreErrors() throws {
        XCTAssertEqual(try RagVariant.of(checkpoint: RAGFixture.dir.appendingPathComponent("rag_checkpoint")), .token)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-rag-kind-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try RagVariant.of(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("cannot read") && "\(error)".contains("config.json"), "\(error)")
        }
        let config = dir.appendingPathComponent("config.json")
        try Data("{\"architectures\": [\"RagSequenceForGeneration\"]".utf8).write(to: config)  // truncated
        XCTAssertThrowsError(try RagVariant.of(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("config.json: malformed JSON"), "\(error)")
        }
        try Data("{\"architectures\": [\"RagSequenceForGeneration\"]}".utf8).write(to: config)
        XCTAssertEqual(try RagVariant.of(checkpoint: dir), .sequence)
    }
}
