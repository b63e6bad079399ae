import Foundation
import Index
import KB
import Models
import Tensor
import TestSupport
import Tokenizers
import XCTest

/// Robustness of every file format Ragtime reads (the reliability suite, bounded: fixed seed, 100 mutations per file):
/// each file of a model folder (config.json, model.safetensors), a tokenizer folder (tokenizer.json,
/// tokenizer_config.json), a KB folder (kb.json, passages.tsv, embeddings.safetensors, index.faiss) and a raw KB
/// CSV is damaged by byte flips, truncation or both, then loaded through the public loader. A case passes when the
/// load succeeds or throws an error with a message; a crash or trap ends the test process, which fails the suite.
final class CorruptFileTests: XCTestCase {
    /// One damaged copy of `bytes`: 1-4 flipped bytes (any bit pattern), a truncation, or both.
    static func mutate(_ bytes: Data, _ rng: inout SplitMix) -> Data {
        var out = bytes
        let kind = Int.random(in: 0..<3, using: &rng)
        if kind != 1, !out.isEmpty {
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = out.startIndex + Int.random(in: 0..<out.count, using: &rng)
                out[i] = UInt8.random(in: 0...255, using: &rng)
            }
        }
        if kind != 0 { out = out.prefix(Int.random(in: 0...out.count, using: &rng)) }
        return out
    }

    func testDamagedFilesLoadOrFailWithAMessage() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("ragtime-corrupt-\(UUID().uuidString)")
        addTeardownBlock { try? fm.removeItem(at: root) }
        let fixtures = RepoPaths.url("test_dir/fixtures/rag")
        // Pristine folders: the fixture question encoder and tokenizer, a KB with embeddings and an HNSW index.
        let model = root.appendingPathComponent("model"), tokenizer = root.appendingPathComponent("tokenizer")
        let kbFolder = root.appendingPathComponent("kb"), csv = root.appendingPathComponent("kb.csv")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try fm.copyItem(at: fixtures.appendingPathComponent("question_encoder"), to: model)
        try fm.copyItem(at: fixtures.appendingPathComponent("tokenizers/dpr"), to: tokenizer)
        try fm.copyItem(at: RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"), to: csv)
        let kb = try KnowledgeBase.fromRaw(csv, format: .csv)
        try kb.setEmbeddings((0..<kb.count * 8).map { Float(($0 * 37) % 101) / 101 - 0.5 }, dimension: 8, fingerprint: "test")
        try kb.buildIndex(.hnsw(m: 8, efConstruction: 16, efSearch: 8), threads: 1)
        try kb.save(to: kbFolder)

        let cases: [(URL, String, (URL) throws -> Void)] = [
            (model, "config.json", { _ = try DPREncoder.load(from: $0) }),
            (model, "model.safetensors", { _ = try DPREncoder.load(from: $0) }),
            (tokenizer, "tokenizer.json", { _ = try Tokenizer.load(from: $0) }),
            (tokenizer, "tokenizer_config.json", { _ = try Tokenizer.load(from: $0) }),
            (kbFolder, "kb.json", { _ = try KnowledgeBase.load(from: $0) }),
            (kbFolder, "passages.tsv", { _ = try KnowledgeBase.load(from: $0) }),
            (kbFolder, "embeddings.safetensors", { _ = try KnowledgeBase.load(from: $0) }),
            (kbFolder, "index.faiss", { _ = try KnowledgeBase.load(from: $0) }),
            (root, "kb.csv", { _ = try KnowledgeBase.fromRaw($0.appendingPathComponent("kb.csv"), format: .csv) }),
        ]
        var rng = SplitMix(state: 17)
        var failures = 0, loads = 0
        for (folder, name, load) in cases {
            let file = folder.appendingPathComponent(name)
            let pristine = try Data(contentsOf: file)
            XCTAssertNoThrow(try load(folder), "the pristine \(name) loads")
            for _ in 0..<100 {
                try Self.mutate(pristine, &rng).write(to: file)
                do { try load(folder); loads += 1 } catch {
                    failures += 1
                    let text = "\(error)"
                    XCTAssertFalse(text.isEmpty, "\(name): an error without a message")
                    XCTAssertFalse(text.contains("DecodingError") || text.contains("NSCocoaErrorDomain"), "\(name): a raw Foundation error: \(text)")
                }
            }
            try pristine.write(to: file)
        }
        XCTAssertGreaterThan(failures, 300, "most damaged files are refused (\(failures) errors, \(loads) loads)")

        // kb.json's errors name the key (its path) or the syntax problem.
        let manifest = kbFolder.appendingPathComponent("kb.json")
        let pristine = try String(contentsOf: manifest, encoding: .utf8)
        for (text, expected) in [("{\"passages\": 6}", "missing key \"format\""),
                                 (pristine.replacingOccurrences(of: "\"dimension\" : 8", with: "\"dimension\" : \"8\""),
                                  "\"encoder.dimension\" must be an integer"),
                                 ("{\"passages\": ", "not valid JSON")] {
            try text.write(to: manifest, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try KnowledgeBase.load(from: kbFolder)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
