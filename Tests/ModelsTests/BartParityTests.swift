import Foundation
import NN
import Tensor
import XCTest
@testable import Models

/// BART against transformers (scripts/fixtures/models.py, bart.*): states and logits 1e-4, loss 1e-5
/// relative, gradients 1e-3 relative, identical greedy/beam ids for every recorded generation case.
final class BartParityTests: XCTestCase {
    func testForwardLossAndGradientsMatchTransformers() throws {
        let fx = try ModelFixture("bart")
        let m = try BartModel.load(from: ModelFixture.folder("bart"))
        let src = try fx.ints("input_ids"), mask = try fx.ints("attention_mask"), labels = try fx.ints("labels")
        XCTAssertEqual(try m.shiftTokensRight(labels), try fx.ints("decoder_input_ids"))
        let out = try m(inputIds: src, attentionMask: mask, labels: labels)
        assertClose(out.encoderLastHiddenState, try fx.tensor("encoder.last_hidden_state"), atol: 1e-4, "encoder")
        assertClose(out.decoderLastHiddenState, try fx.tensor("decoder.last_hidden_state"), atol: 1e-4, "decoder")
        assertClose(out.logits, try fx.tensor("logits"), atol: 1e-4, "logits")
        let loss = try XCTUnwrap(out.loss)
        let expected = Float(try XCTUnwrap(fx.json["loss"] as? Double))
        XCTAssertEqual(try loss.item(), expected, accuracy: abs(expected) * 1e-5)
        try loss.backward()
        let params = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.tensor) })
        for name in try XCTUnwrap(fx.json["grad_names"] as? [String]) {
            let grad = try XCTUnwrap(params[name]?.grad, "no gradient for \(name)")
            assertRelClose(grad, try fx.tensor("grad." + name), rtol: 1e-3, name)
        }
    }

    func testGenerationMatchesTransformers() throws {
        let fx = try ModelFixture("bart")
        let m = try BartModel.load(from: ModelFixture.folder("bart"))
        let src = try fx.ints("input_ids"), mask = try fx.ints("attention_mask")
        let cases = try XCTUnwrap(fx.json["generation"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let name = try XCTUnwrap(c["name"] as? String)
            let p = try XCTUnwrap(c["params"] as? [String: Any])
            var g = m.config.generation
            g.numBeams = try XCTUnwrap(p["num_beams"] as? Int)
            g.maxLength = try XCTUnwrap(p["max_length"] as? Int)
            g.minLength = try XCTUnwrap(p["min_length"] as? Int)
            g.noRepeatNgramSize = try XCTUnwrap(p["no_repeat_ngram_size"] as? Int)
            g.lengthPenalty = try XCTUnwrap(p["length_penalty"] as? Double)
            g.earlyStopping = (p["early_stopping"] as? Bool) == true ? .immediate : .heuristic
            g.numReturnSequences = try XCTUnwrap(p["num_return_sequences"] as? Int)
            g.forcedBosTokenId = p["forced_bos_token_id"] as? Int
            g.forcedEosTokenId = p["forced_eos_token_id"] as? Int
            XCTAssertEqual(g.decoderStartTokenId, p["decoder_start_token_id"] as? Int)
            XCTAssertEqual(g.padTokenId, p["pad_token_id"] as? Int)
            XCTAssertEqual(g.eosTokenId, p["eos_token_id"] as? Int)
            let ids = try m.generate(inputIds: src, attentionMask: mask, config: g)
            XCTAssertEqual(ids, try XCTUnwrap(c["ids"] as? [[Int]]), name)
        }
    }

    /// Decoding one token at a time with the cache gives the full-sequence logits.
    func testIncrementalDecodingEqualsFullForward() throws {
        let fx = try ModelFixture("bart")
        let m = try BartModel.load(from: ModelFixture.folder("bart"))
        let src = try fx.ints("input_ids"), mask = try fx.ints("attention_mask"), dec = try fx.ints("decoder_input_ids")
        let full = try m(inputIds: src, attentionMask: mask, decoderInputIds: dec).logits
        let enc = try m.encode(inputIds: src, attentionMask: mask)
        var cache: KeyValueCache? = KeyValueCache(layers: m.config.decoderLayers)
        let t = dec.shape[1]
        for j in 0..<t {
            let step = try IntTensor(shape: [2, 1], scalars: [dec.scalars[j], dec.scalars[t + j]])
            let logits = try m.decode(decoderInputIds: step, encoderHidden: enc, attentionMask: mask, cache: &cache).logits
            assertClose(logits, try full.slice(dim: 1, start: j, end: j + 1), atol: 1e-4, "step \(j)")
        }
        XCTAssertEqual(cache?.length, t)
    }
}
