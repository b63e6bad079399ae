import Foundation
import Tokenizers
import XCTest

/// save(to:) then load again, from tokenizer.json and from the classic files: same outputs as Hugging Face.
/// The saved directories stay in $TMPDIR/ragtime-saved-tokenizers/ for
/// scripts/fixtures/check_saved_tokenizers.py (loads them in transformers).
final class SavingTests: XCTestCase {
    static let out = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-saved-tokenizers")

    private func roundTrip(_ source: String, fixture: String, classicFile: String) throws {
        let tok = try Tokenizer.load(from: ParityFixture.directory.appendingPathComponent(source))
        let dir = Self.out.appendingPathComponent(fixture)
        try? FileManager.default.removeItem(at: dir)
        try tok.save(to: dir)
        let f = try ParityFixture(fixture)
        let fromJSON = try Tokenizer.load(from: dir)
        XCTAssertEqual(fromJSON.vocabSize, tok.vocabSize)
        XCTAssertEqual(fromJSON.specialTokenIds, tok.specialTokenIds)
        XCTAssertEqual(fromJSON.addedTokens, tok.addedTokens)
        assertParity(try f.check(fromJSON))
        let classic = try Tokenizer.load(from: dir.appendingPathComponent(classicFile))
        XCTAssertEqual(classic.specialTokenIds, tok.specialTokenIds)
        assertParity(try f.check(classic))
    }

    func testWordPieceRoundTrip() throws { try roundTrip("wordpiece/tokenizer.json", fixture: "wordpiece", classicFile: "vocab.txt") }
    func testBPERoundTrip() throws { try roundTrip("bpe/tokenizer.json", fixture: "bpe", classicFile: "vocab.json") }
    func testMiniLMRoundTrip() throws { try roundTrip("minilm", fixture: "minilm", classicFile: "vocab.txt") }

    func testSavedFilesAreDeterministic() throws {
        let tok = try Tokenizer.load(from: ParityFixture.directory.appendingPathComponent("bpe"))
        let a = Self.out.appendingPathComponent("det-a"), b = Self.out.appendingPathComponent("det-b")
        try tok.save(to: a)
        try tok.save(to: b)
        for name in ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)), name)
        }
    }
}
