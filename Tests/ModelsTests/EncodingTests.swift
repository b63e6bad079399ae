import Foundation
import Tensor
import TestSupport
import Tokenizers
import XCTest
@testable import Models

/// Text encoding with a tokenizer: results do not depend on the batch split (padding is masked), and
/// equal a direct forward on the tokenizer's ids.
final class EncodingTests: XCTestCase {
    func testEncodeIsBatchInvariantAndMatchesDirectForward() throws {
        let tok = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/tokenizers/wordpiece"))
        var c = BertConfig()
        c.vocabSize = tok.vocabSize; c.hiddenSize = 32; c.numHiddenLayers = 2; c.numAttentionHeads = 4
        c.intermediateSize = 64; c.maxPositionEmbeddings = 64; c.initializerRange = 0.2
        let enc = try DPREncoder(kind: .context, config: c, seed: 4)
        let titles = ["Aaron", "Hamlet", "A much longer title about nothing in particular", "Moses"]
        let texts = ["Aaron is a prophet.", "A play by Shakespeare about a prince of Denmark and his revenge.",
                     "Short.", "He led the Israelites out of Egypt, according to the book of Exodus."]
        let all = try enc.encode(titles, pairs: texts, tokenizer: tok, batchSize: 16)
        let split = try enc.encode(titles, pairs: texts, tokenizer: tok, batchSize: 3)
        XCTAssertEqual(all.shape, [4, 32])
        assertClose(split, all, atol: 1e-5, "batch split")
        let one = try tok.encodeBatch([titles[1]], pairs: [texts[1]], padding: .longest)
        let direct = try enc(inputIds: IntTensor(shape: [1, one.ids[0].count], scalars: one.ids[0])).pooled
        assertClose(direct, try all.slice(dim: 0, start: 1, end: 2), atol: 1e-5, "direct forward")
        let truncated = try enc.encode([texts[3]], tokenizer: tok, maxLength: 5)
        let ids = tok.encode(texts[3], maxLength: 5).ids
        XCTAssertEqual(ids.count, 5)
        assertClose(truncated, try enc(inputIds: IntTensor(shape: [1, 5], scalars: ids)).pooled, atol: 1e-5, "truncated")
        XCTAssertEqual(try enc.encode([], tokenizer: tok).shape, [0, 32])
        var small = c
        small.vocabSize = 100
        XCTAssertThrowsError(try DPREncoder(kind: .context, config: small, seed: 1).encode(["x"], tokenizer: tok))
    }
}
