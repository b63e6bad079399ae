import Foundation
import Tokenizers
import XCTest

/// Bad input: each a clear error naming the file and the line.
final class ErrorTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-tok-errors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func write(_ name: String, _ text: String) throws -> URL { try write(name, Array(text.utf8)) }

    private func assertError(_ expected: TokenizerError, mentions: [String], _ body: () throws -> Void,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? TokenizerError, expected, file: file, line: line)
            let text = String(describing: error)
            for m in mentions { XCTAssert(text.contains(m), "\(text) should mention \(m)", file: file, line: line) }
        }
    }

    func testInvalidUTF8InVocabTxtNamesLine() throws {
        let url = try write("vocab.txt", Array("[PAD]\n[UNK]\n".utf8) + [0x61, 0xFF, 0x62, 0x0A] + Array("[CLS]\n".utf8))
        assertError(.invalidUTF8(file: url.path, line: 3), mentions: [url.path + ":3", "UTF-8"]) {
            _ = try Tokenizer.load(from: url)
        }
    }

    func testInvalidUTF8InTokenizerJSON() throws {
        let url = try write("tokenizer.json", Array("{\n\"model\": {\n\"type\": \"WordPiece\",\n\"vocab\": {\"".utf8) + [0xC3, 0x28] + Array("\": 0}}}\n".utf8))
        assertError(.invalidUTF8(file: url.path, line: 4), mentions: [url.path + ":4"]) { _ = try Tokenizer.load(from: url) }
    }

    func testInvalidUTF8InTrainingFile() throws {
        let url = try write("train.txt", Array("good line\nanother\n".utf8) + [0xE2, 0x82] + Array("\n".utf8))
        assertError(.invalidUTF8(file: url.path, line: 3), mentions: [url.path + ":3"]) {
            _ = try WordPieceTrainer(vocabSize: 100).train(files: [url])
        }
    }

    func testJSONStringStartingWithRawBOMIsRefused() throws {
        let url = try write("vocab.json", "{\"<s>\": 0,\n\"\u{FEFF}x\": 1}")
        _ = try write("merges.txt", "#version: 0.2\n")
        XCTAssertThrowsError(try Tokenizer.load(from: url)) { error in
            XCTAssert(String(describing: error).contains("vocab.json:2"), "\(error)")
        }
        let escaped = try write("vocab.json", "{\"<s>\": 0, \"</s>\": 1, \"\\ufeffx\": 2}")
        XCTAssertEqual(try Tokenizer.load(from: escaped).token(for: 2), "\u{FEFF}x")
    }

    func testEmptyVocabTxt() throws {
        let url = try write("vocab.txt", "")
        assertError(.emptyVocabulary(file: url.path), mentions: [url.path, "empty vocabulary"]) { _ = try Tokenizer.load(from: url) }
    }

    func testEmptyVocabJSON() throws {
        let url = try write("vocab.json", "{}")
        _ = try write("merges.txt", "#version: 0.2\n")
        assertError(.emptyVocabulary(file: url.path), mentions: [url.path]) { _ = try Tokenizer.load(from: url) }
    }

    func testEmptyVocabInTokenizerJSON() throws {
        let url = try write("tokenizer.json", #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#)
        assertError(.emptyVocabulary(file: url.path), mentions: [url.path]) { _ = try Tokenizer.load(from: url) }
    }

    /// Added-token ids are checked against the vocabulary: negative, far beyond it (which once asked for a
    /// 100-million-entry table) and shared by two contents are errors naming the file and the token.
    func testAddedTokenIdsOutsideTheVocabulary() throws {
        for (id, second) in [(-1, 3), (99_999_999, 3), (1_000_000_000_000, 3), (3, 3)] {
            let json = #"{"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1, "b": 2}}, "#
                + #""pre_tokenizer": {"type": "BertPreTokenizer"}, "added_tokens": [{"id": \#(id), "content": "[X]"}, {"id": \#(second), "content": "[Y]"}]}"#
            let url = try write("tokenizer.json", json)
            XCTAssertThrowsError(try Tokenizer.load(from: url), "id \(id)") { error in
                let text = String(describing: error)
                XCTAssert(text.contains(url.path) && (text.contains("[X]") || text.contains("share id")), text)
            }
        }
    }

    func testMalformedMergesLine() throws {
        let vocab = try write("vocab.json", #"{"<s>": 0, "</s>": 1, "a": 2, "b": 3, "ab": 4, "c": 5}"#)
        _ = try write("merges.txt", "#version: 0.2\na b\na b c\n")
        assertError(.malformedMerge(file: dir.appendingPathComponent("merges.txt").path, line: 3, text: "a b c"),
                    mentions: ["merges.txt:3", "a b c"]) { _ = try Tokenizer.load(from: vocab) }
    }

    func testMergeOfUnknownSymbol() throws {
        let vocab = try write("vocab.json", #"{"<s>": 0, "</s>": 1, "a": 2, "b": 3, "ab": 4}"#)
        _ = try write("merges.txt", "#version: 0.2\na b\nab z\n")
        assertError(.malformedMerge(file: dir.appendingPathComponent("merges.txt").path, line: 3, text: "ab z"),
                    mentions: ["merges.txt:3"]) { _ = try Tokenizer.load(from: vocab) }
    }

    func testUnsupportedModelType() throws {
        let url = try write("tokenizer.json", """
        {
          "version": "1.0",
          "normalizer": null,
          "pre_tokenizer": {"type": "Metaspace"},
          "model": {
            "type": "Unigram",
            "vocab": [["<unk>", 0.0]]
          }
        }
        """)
        assertError(.unsupportedComponent(file: url.path, line: 6, component: "model", type: "Unigram"),
                    mentions: [url.path + ":6", "Unigram"]) { _ = try Tokenizer.load(from: url) }
    }

    func testUnsupportedNormalizer() throws {
        let url = try write("tokenizer.json", """
        {
          "normalizer": {"type": "NFKC"},
          "pre_tokenizer": {"type": "BertPreTokenizer"},
          "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}}
        }
        """)
        assertError(.unsupportedComponent(file: url.path, line: 2, component: "normalizer", type: "NFKC"),
                    mentions: [url.path + ":2", "NFKC"]) { _ = try Tokenizer.load(from: url) }
    }

    func testMissingUnknownToken() throws {
        let url = try write("vocab.txt", "[CLS]\n[SEP]\nhello\n")
        assertError(.missingToken(file: url.path, token: "[UNK]", role: "unknown"), mentions: ["[UNK]"]) {
            _ = try Tokenizer.load(from: url)
        }
    }

    func testDirectoryWithoutTokenizerFiles() throws {
        assertError(.noTokenizerFiles(directory: dir.path), mentions: [dir.path]) { _ = try Tokenizer.load(from: dir) }
    }

    func testDecodeUnknownIdThrows() throws {
        let tok = try Tokenizer.load(from: ParityFixture.directory.appendingPathComponent("minilm"))
        assertError(.unknownId(30522, vocabSize: 30522), mentions: ["30522"]) { _ = try tok.decode([101, 30522]) }
        assertError(.unknownId(-1, vocabSize: 30522), mentions: ["-1"]) { _ = try tok.decode([-1]) }
    }

    func testBatchWithMismatchedPairs() throws {
        let tok = try Tokenizer.load(from: ParityFixture.directory.appendingPathComponent("minilm"))
        XCTAssertThrowsError(try tok.encodeBatch(["a", "b"], pairs: ["c"]))
    }
}
