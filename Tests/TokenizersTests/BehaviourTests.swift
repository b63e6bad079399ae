import Foundation
import Tokenizers
import XCTest

/// Worked examples from Hugging Face `tokenizers` on the real all-MiniLM-L6-v2 (bert-base-uncased) vocabulary.
final class BehaviourTests: XCTestCase {
    static let minilm = try! Tokenizer.load(from: ParityFixture.directory.appendingPathComponent("minilm"))
    static let bpe = try! Tokenizer.load(from: ParityFixture.directory.appendingPathComponent("bpe"))
    var tok: Tokenizer { Self.minilm }

    func testSpecialIdsOfBertBaseUncased() {
        XCTAssertEqual(tok.specialTokenIds, SpecialTokenIds(pad: 0, unk: 100, cls: 101, sep: 102, bos: nil, eos: nil, mask: 103))
        XCTAssertEqual(tok.specialTokenCount(pair: false), 2)
        XCTAssertEqual(tok.specialTokenCount(pair: true), 3)
        XCTAssertEqual(tok.modelMaxLength, 512)
    }

    func testDecodeExamples() throws {
        let ids = tok.encode("Who wrote Hamlet ?").ids + [0]
        XCTAssertEqual(try tok.decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: true), "who wrote hamlet?")
        let its = tok.encode("it ' s").ids
        XCTAssertEqual(try tok.decode(its, cleanUpTokenizationSpaces: false), "it ' s")
        XCTAssertEqual(try tok.decode(its, cleanUpTokenizationSpaces: true), "it's")
        XCTAssertEqual(try tok.decode(its, skipSpecialTokens: false, cleanUpTokenizationSpaces: false), "[CLS] it ' s [SEP]")
        // The fixture's tokenizer_config.json does not set clean_up_tokenization_spaces: transformers 5.x (the
        // fixtures' version) then does not clean up, and neither does Ragtime.
        XCTAssertFalse(tok.cleanUpTokenizationSpaces)
        XCTAssertEqual(try tok.decode(its), "it ' s")
    }

    func testDescriptionAndBatchDecode() throws {
        XCTAssertEqual(tok.description, "Tokenizer(WordPiece, 30522 ids)")
        XCTAssertEqual(Self.bpe.description, "Tokenizer(byte-level BPE, 6000 ids)")
        let b = try tok.encodeBatch(["Hello there!", "hi"], padding: .longest)
        XCTAssertEqual(try tok.decodeBatch(b.ids), ["hello there!", "hi"])
    }

    func testPairTruncationOddBudget() {
        // A = 5 tokens, B = 3 tokens. maxLength 9 -> budget 6 -> 3 + 3; maxLength 8 -> budget 5 -> 3 + 2.
        let a = "a b c d e", b = "f g h"
        let e9 = tok.encode(a, pair: b, maxLength: 9)
        XCTAssertEqual(e9.tokens, ["[CLS]", "a", "b", "c", "[SEP]", "f", "g", "h", "[SEP]"])
        XCTAssertEqual(e9.tokenTypeIds, [0, 0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(tok.encode(a, pair: b, maxLength: 8).tokens, ["[CLS]", "a", "b", "c", "[SEP]", "f", "g", "[SEP]"])
        // Equal lengths, odd budget: the second sequence gets the extra token (fast rule).
        XCTAssertEqual(tok.encode("a b c", pair: "d e f", maxLength: 8).tokens, ["[CLS]", "a", "b", "[SEP]", "d", "e", "f", "[SEP]"])
        XCTAssertEqual(tok.encode("a b c d e f", maxLength: 4).tokens, ["[CLS]", "a", "b", "[SEP]"])
    }

    func testLongWordsBecomeUnknown() {
        XCTAssertEqual(tok.encode(String(repeating: "a", count: 101), addSpecialTokens: false).ids, [100])
        XCTAssertNotEqual(tok.encode(String(repeating: "a", count: 100), addSpecialTokens: false).ids, [100])
    }

    func testNormalization() {
        XCTAssertEqual(tok.encode("Crème BRÛLÉE").ids, tok.encode("creme brulee").ids)
        XCTAssertEqual(tok.encode("北京", addSpecialTokens: false).tokens, ["北", "京"])
        XCTAssertEqual(tok.encode("a\u{0}b\u{7}c\td", addSpecialTokens: false).tokens, ["abc", "d"])
        XCTAssertEqual(tok.encode("x$y", addSpecialTokens: false).tokens, ["x", "$", "y"])
        XCTAssertEqual(tok.encode("[MASK] [mask]", addSpecialTokens: false).tokens, ["[MASK]", "[", "mask", "]"])
    }

    func testPaddingFixedAndLongest() throws {
        let b = try tok.encodeBatch(["hello world", "hi"], maxLength: 5, padding: .fixed(6))
        XCTAssertEqual(b.ids, [[101, 7592, 2088, 102, 0, 0], [101, 7632, 102, 0, 0, 0]])
        XCTAssertEqual(b.attentionMask, [[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0]])
        let l = try tok.encodeBatch(["hello world", "hi"], padding: .longest)
        XCTAssertEqual(l.ids.map(\.count), [4, 4])
    }

    func testByteLevelDetails() throws {
        let e = Self.bpe.encode("Hi\n there", addSpecialTokens: false)
        XCTAssertEqual(e.tokens.joined(), "HiĊĠthere")
        XCTAssertEqual(try Self.bpe.decode([0] + e.ids + [2]), "Hi\n there")
        let pair = Self.bpe.encode("a", pair: "b")
        XCTAssertEqual(pair.tokens, ["<s>", "a", "</s>", "</s>", "b", "</s>"])
        // <mask> takes the space on its left with it.
        XCTAssertEqual(Self.bpe.encode("x <mask>", addSpecialTokens: false).tokens, ["x", "<mask>"])
        // Invalid UTF-8 from a cut multi-byte character decodes to U+FFFD.
        let euro = Self.bpe.encode("€", addSpecialTokens: false).ids
        if euro.count > 1 { XCTAssertEqual(try Self.bpe.decode(Array(euro.prefix(1))), "\u{FFFD}") }
    }
}

extension BehaviourTests {
    /// BART's real tokenizer.json marks `<mask>` `normalized: true`; with no normalizer it must match the
    /// same way as a raw-text token.
    func testNormalizedSpecialTokensWithoutNormalizer() throws {
        let url = ParityFixture.directory.appendingPathComponent("bpe/tokenizer.json")
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json["added_tokens"] = (json["added_tokens"] as! [[String: Any]]).map { t in
            var t = t
            t["normalized"] = true
            return t
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-bpe-norm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        let normalized = try Tokenizer.load(from: dir)
        XCTAssertEqual(normalized.encode("word <mask> word").ids, [0, 91, 484, 4, 2271, 2])  // from HF tokenizers 0.23
        XCTAssertEqual(normalized.encode("<s>hi</s> <pad>").ids, [0, 0, 1410, 2, 225, 1, 2])
        for text in try ParityFixture("bpe").singles.prefix(300) {
            XCTAssertEqual(normalized.encode(text).ids, Self.bpe.encode(text).ids, text)
        }
    }
}
