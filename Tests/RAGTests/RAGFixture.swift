import Foundation
import KB
import Models
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// The RAG parity fixture of docs/rag-parity.md (`test_dir/fixtures/rag/`, written by scripts/fixtures/rag.py).
final class RAGFixture {
    static let dir = RepoPaths.url("test_dir/fixtures/rag")
    let json: [String: Any]
    let dprTokenizer: Tokenizer
    let bartTokenizer: Tokenizer
    let kb: KnowledgeBase

    init() throws {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent("rag.json"))
        json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        dprTokenizer = try Tokenizer.load(from: Self.dir.appendingPathComponent("tokenizers/dpr"))
        bartTokenizer = try Tokenizer.load(from: Self.dir.appendingPathComponent("tokenizers/bart"))
        let kbJSON = try XCTUnwrap(json["kb"] as? [String: Any])
        let passages = try XCTUnwrap(kbJSON["passages"] as? [[String: String]]).map { Passage(title: $0["title"] ?? "", text: $0["text"] ?? "") }
        let embeddings = try XCTUnwrap(kbJSON["embeddings"] as? [[Double]])
        kb = KnowledgeBase(passages: passages, manifest: KBManifest(source: nil, sourceFormat: nil, documents: 2, skippedRows: 0,
                                                                    wordsPerPassage: 100, passages: passages.count))
        try kb.setEmbeddings(embeddings.flatMap { $0.map(Float.init) }, dimension: embeddings[0].count, fingerprint: "kb_encoder")
        try kb.buildIndex(.hnsw(m: 128, efConstruction: 40, efSearch: 16))
    }

    func section(_ path: String) throws -> [String: Any] {
        var node: Any = json
        for key in path.split(separator: ".") {
            node = try XCTUnwrap((node as? [String: Any])?[String(key)], "rag.json has no \(path)")
        }
        return try XCTUnwrap(node as? [String: Any], "\(path) is not an object")
    }

    func ints(_ section: String, _ key: String) throws -> [[Int]] {
        try XCTUnwrap(try self.section(section)[key] as? [[Int]], "\(section).\(key)")
    }

    func floats(_ section: String, _ key: String) throws -> [[Float]] {
        try XCTUnwrap(try self.section(section)[key] as? [[Double]], "\(section).\(key)").map { $0.map(Float.init) }
    }

    static func tensor(_ rows: [[Int]]) throws -> IntTensor {
        try IntTensor(shape: [rows.count, rows.first?.count ?? 0], scalars: rows.flatMap { $0 })
    }

    var inputIds: IntTensor { get throws { try Self.tensor(try ints("batch", "input_ids")) } }
    var attentionMask: IntTensor { get throws { try Self.tensor(try ints("batch", "attention_mask")) } }
    var labels: IntTensor { get throws { try Self.tensor(try ints("batch", "labels")) } }

    var ragConfig: RagConfig {
        get throws {
            let c = try XCTUnwrap(try section("checkpoint")["config_json"] as? String)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(c.utf8)) as? [String: Any])
            return try RagConfig(json: obj, source: "rag.json checkpoint.config_json")
        }
    }

    /// A fresh model of the given variant from the fixture folders; `endToEnd` sets the ctx encoder + tokenizer.
    func model<M: RagForGeneration>(_ type: M.Type, endToEnd: Bool) throws -> M {
        let q = try DPREncoder.load(from: Self.dir.appendingPathComponent("question_encoder"))
        let g = try BartModel.load(from: Self.dir.appendingPathComponent("generator"))
        let m = try M(config: try ragConfig, questionEncoder: q, generator: g, retriever: kb,
                      questionTokenizer: dprTokenizer, generatorTokenizer: bartTokenizer)
        if endToEnd {
            try m.setContextEncoderForTraining(try DPREncoder.load(from: Self.dir.appendingPathComponent("ctx_encoder")))
            m.setContextEncoderTokenizer(dprTokenizer)
        }
        return m
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func assertRelative(_ got: Float, _ want: Double, _ rtol: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    let rel = abs(Double(got) - want) / max(abs(want), 1e-12)
    XCTAssertLessThanOrEqual(rel, rtol, "\(what): got \(got), want \(want) (relative \(rel))", file: file, line: line)
}
