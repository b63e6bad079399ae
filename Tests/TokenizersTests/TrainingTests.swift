import Foundation
import Tokenizers
import XCTest

/// Training vocabularies offline: deterministic, the requested size, usable, and savable.
final class TrainingTests: XCTestCase {
    /// SQuAD questions and passages from the parity inputs (~2,000 lines, no special-token text).
    lazy var lines: [String] = {
        let singles = (try? ParityFixture.json("inputs.json"))?["singles"] as? [String] ?? []
        return singles.filter { !$0.contains("<") && !$0.contains("[") && !$0.isEmpty }
    }()

    private func vocabulary(_ t: Tokenizer) -> [String] { (0..<t.vocabSize).map { t.token(for: $0)! } }

    func testWordPieceTraining() throws {
        XCTAssertGreaterThan(lines.count, 1500)
        let trainer = WordPieceTrainer(vocabSize: 1200)
        let tok = try trainer.train(lines: lines)
        XCTAssertEqual(tok.vocabSize, 1200)
        XCTAssertEqual(Array(vocabulary(tok).prefix(5)), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
        XCTAssertEqual(tok.specialTokenIds.cls, 2)
        XCTAssertEqual(vocabulary(try trainer.train(lines: lines)), vocabulary(tok), "training must be deterministic")
        XCTAssertNotNil(tok.id(for: "the"))
        XCTAssertNotNil(tok.id(for: "##s"))
        let e = tok.encode("What is the name of the university?")
        XCTAssertEqual(e.ids.first, 2)
        XCTAssertEqual(e.ids.last, 3)
        XCTAssertFalse(e.ids.contains(1), "no [UNK] for plain English: \(e.tokens)")
        XCTAssertEqual(try tok.decode(e.ids), "what is the name of the university?")
        // Every question line tokenizes without [UNK] (their characters are all in the alphabet).
        let unk = lines.prefix(400).filter { tok.encode($0).ids.contains(1) }
        XCTAssert(unk.count < 10, "too many lines with [UNK]: \(unk.prefix(3))")
    }

    func testBPETraining() throws {
        let trainer = BPETrainer(vocabSize: 1500)
        let tok = try trainer.train(lines: lines)
        XCTAssertEqual(tok.vocabSize, 1500)
        XCTAssertEqual(Array(vocabulary(tok).prefix(5)), ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        XCTAssertEqual(vocabulary(try trainer.train(lines: lines)), vocabulary(tok), "training must be deterministic")
        XCTAssertNotNil(tok.id(for: "Ġthe"))
        // Byte-level: decoding gives back every input exactly, whatever its characters.
        for text in lines + ["emoji 😀 👍🏽, CJK 北京, control \u{1}\u{7f}, tabs\t\tand  spaces "] {
            let ids = tok.encode(text).ids
            XCTAssertEqual(try tok.decode(ids, cleanUpTokenizationSpaces: false), text)
        }
        let words = tok.encode("The the the").tokens
        XCTAssertEqual(words, ["<s>", "The", "Ġthe", "Ġthe", "</s>"], "frequent words are single tokens")
    }

    func testTrainedTokenizersSaveAndReload() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-trained-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for tok in [try WordPieceTrainer(vocabSize: 800).train(lines: lines), try BPETrainer(vocabSize: 800).train(lines: lines)] {
            try tok.save(to: dir)
            for source in [dir, dir.appendingPathComponent(tok.modelKind == .wordPiece ? "vocab.txt" : "vocab.json")] {
                let back = try Tokenizer.load(from: source)
                XCTAssertEqual(vocabulary(back), vocabulary(tok))
                for text in lines.prefix(200) {
                    XCTAssertEqual(back.encode(text, pair: "a second text", maxLength: 40), tok.encode(text, pair: "a second text", maxLength: 40))
                }
            }
            try FileManager.default.removeItem(at: dir)
        }
    }

    func testTrainingFromFiles() throws {
        let url = RepoPaths.kb
        let tok = try WordPieceTrainer(vocabSize: 300, minFrequency: 1).train(files: [url])
        XCTAssertLessThanOrEqual(tok.vocabSize, 300)
        XCTAssertGreaterThan(tok.vocabSize, 100)
        XCTAssertThrowsError(try BPETrainer(vocabSize: 300).train(files: []))
    }
}

import TestSupport
extension RepoPaths {
    static var kb: URL { url("test_dir/dummy-kb/my_knowledge_dataset.csv") }
}
