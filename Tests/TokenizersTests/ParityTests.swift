import Foundation
import Tokenizers
import XCTest

/// Ragtime against Hugging Face on >= 2,000 strings, for each tokenizer and each file layout.
final class ParityTests: XCTestCase {
    let dir = ParityFixture.directory

    func testFixtureIsLargeEnough() throws {
        let f = try ParityFixture("wordpiece")
        let n = f.singles.count + (f.inputs["pairs"] as! [Any]).count + (f.inputs["truncated_singles"] as! [Any]).count
        XCTAssertGreaterThanOrEqual(n, 2000)
    }

    func testTrainedWordPieceFromTokenizerJSON() throws {
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("wordpiece/tokenizer.json"))
        let f = try ParityFixture("wordpiece")
        XCTAssertEqual(tok.vocabSize, f.expected["vocab_size"] as? Int)
        assertParity(try f.check(tok))
    }

    func testTrainedWordPieceFromVocabTxt() throws {
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("wordpiece/vocab.txt"))
        assertParity(try ParityFixture("wordpiece").check(tok))
    }

    func testTrainedBPEFromTokenizerJSON() throws {
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("bpe"))
        let f = try ParityFixture("bpe")
        XCTAssertEqual(tok.vocabSize, f.expected["vocab_size"] as? Int)
        assertParity(try f.check(tok))
    }

    func testTrainedBPEFromVocabAndMerges() throws {
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("bpe/vocab.json"))
        assertParity(try ParityFixture("bpe").check(tok))
    }

    func testMiniLMVocabulary() throws {
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("minilm"))
        XCTAssertEqual(tok.vocabSize, 30522)
        XCTAssertEqual(tok.specialTokenIds.cls, 101)
        XCTAssertEqual(tok.specialTokenIds.unk, 100)
        assertParity(try ParityFixture("minilm").check(tok))
    }

    /// The same vocabulary with other normalizer settings in tokenizer_config.json.
    func testMiniLMNormalizerVariants() throws {
        let f = try ParityFixture("minilm")
        let variants = try XCTUnwrap(f.expected["variants"] as? [String: [String: Any]])
        XCTAssertEqual(variants.count, 2)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-minilm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("minilm/vocab.txt"), to: tmp.appendingPathComponent("vocab.txt"))
        for (name, variant) in variants {
            let config = try XCTUnwrap(variant["config"] as? [String: Any])
            try JSONSerialization.data(withJSONObject: config).write(to: tmp.appendingPathComponent("tokenizer_config.json"))
            let tok = try Tokenizer.load(from: tmp)
            var failures: [String] = []
            for (text, ids) in zip(f.singles, try XCTUnwrap(variant["ids"] as? [[Int]])) where tok.encode(text).ids != ids {
                failures.append("\(name) \(String(reflecting: text)): got \(tok.encode(text).ids), want \(ids)")
            }
            assertParity(failures)
        }
    }
}

/// User-added tokens (normalized, single_word, rstrip/lstrip specials) on a small WordPiece tokenizer.
final class AddedTokenParityTests: XCTestCase {
    func testAddedTokens() throws {
        let dir = ParityFixture.directory
        let tok = try Tokenizer.load(from: dir.appendingPathComponent("added/tokenizer.json"))
        let data = try Data(contentsOf: dir.appendingPathComponent("expected-added.json"))
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(rows.count, 10)
        for row in rows {
            let text = row["text"] as! String, ids = row["ids"] as! [Int]
            XCTAssertEqual(tok.encode(text).ids, ids, text)
            XCTAssertEqual(try tok.decode(ids, cleanUpTokenizationSpaces: false), row["d"] as? String, text)
            XCTAssertEqual(try tok.decode(ids, skipSpecialTokens: false, cleanUpTokenizationSpaces: false), row["dk"] as? String, text)
        }
        // Saved and reloaded, the added tokens keep their flags and behaviour. (Left in
        // $TMPDIR/ragtime-saved-tokenizers/added for scripts/fixtures/check_saved_tokenizers.py.)
        let out = SavingTests.out.appendingPathComponent("added")
        try? FileManager.default.removeItem(at: out)
        try tok.save(to: out)
        for source in [out, out.appendingPathComponent("vocab.txt")] {
            let back = try Tokenizer.load(from: source)
            XCTAssertEqual(back.addedTokens, tok.addedTokens, source.lastPathComponent)
            for row in rows { XCTAssertEqual(back.encode(row["text"] as! String).ids, row["ids"] as! [Int], source.lastPathComponent) }
        }
    }
}
