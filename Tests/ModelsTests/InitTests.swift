import Foundation
import NN
import Tensor
import XCTest
@testable import Models

/// `init(config:seed:)` draws weights like transformers (std per config, zero biases, LayerNorm 1/0,
/// zero padding row), deterministically per seed; train mode enables dropout; parameters are counted
/// like PyTorch (tied weights once).
final class InitTests: XCTestCase {
    var tiny: BertConfig {
        var c = BertConfig()
        c.vocabSize = 300; c.hiddenSize = 64; c.numHiddenLayers = 2; c.numAttentionHeads = 4; c.intermediateSize = 128
        c.maxPositionEmbeddings = 40
        return c
    }

    func testBertInitFollowsConfigAndSeed() throws {
        let m = try DPREncoder(kind: .context, config: tiny, seed: 5)
        let p = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.tensor) })
        let w = try XCTUnwrap(p["ctx_encoder.bert_model.encoder.layer.0.intermediate.dense.weight"]).scalars
        let std = (w.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.001)
        XCTAssertTrue(try XCTUnwrap(p["ctx_encoder.bert_model.encoder.layer.1.output.dense.bias"]).scalars.allSatisfy { $0 == 0 })
        XCTAssertTrue(try XCTUnwrap(p["ctx_encoder.bert_model.embeddings.LayerNorm.weight"]).scalars.allSatisfy { $0 == 1 })
        XCTAssertEqual(Array(try XCTUnwrap(p["ctx_encoder.bert_model.embeddings.word_embeddings.weight"]).scalars[0..<64]),
                       Array(repeating: 0, count: 64), "pad row (id 0) is zero")
        let again = try DPREncoder(kind: .context, config: tiny, seed: 5)
        let other = try DPREncoder(kind: .context, config: tiny, seed: 6)
        XCTAssertEqual(again.parameters().map(\.scalars), m.parameters().map(\.scalars))
        XCTAssertNotEqual(other.parameters()[0].scalars, m.parameters()[0].scalars)
        // d·V + P·d + 2d + 2d + L·(4(d²+d) + 2d + (d·ff+ff) + (ff·d+d) + 2d)
        let (d, ff, v, pos) = (64, 128, 300, 40)
        let expected = v * d + pos * d + 2 * d + 2 * d + 2 * (4 * (d * d + d) + 2 * d + (d * ff + ff) + (ff * d + d) + 2 * d)
        XCTAssertEqual(m.parameterCount, expected)
    }

    func testParameterCountsMatchCheckpointSizes() throws {
        for name in ["dpr_question", "dpr_ctx", "dpr_question_proj"] {
            let m = try DPREncoder.load(from: ModelFixture.folder(name))
            let file = try SafeTensors.read(ModelFixture.folder(name).appendingPathComponent("model.safetensors"))
            XCTAssertEqual(m.parameterCount, file.values.reduce(0) { $0 + $1.count }, name)
        }
        let g = try BartModel.load(from: ModelFixture.folder("bart"))
        let file = try SafeTensors.read(ModelFixture.folder("bart").appendingPathComponent("model.safetensors"))
        XCTAssertEqual(g.parameterCount, file.values.reduce(0) { $0 + $1.count } - g.config.vocabSize, "minus the final_logits_bias buffer")
    }

    func testTrainModeAppliesDropoutEvalModeIsDeterministic() throws {
        var c = tiny
        c.hiddenDropoutProb = 0.3
        let m = try DPREncoder(kind: .question, config: c, seed: 2)
        let ids = try IntTensor(shape: [2, 6], scalars: [101, 5, 6, 7, 102, 0, 101, 9, 8, 102, 0, 0])
        let a = try m(inputIds: ids).pooled.scalars
        XCTAssertEqual(try m(inputIds: ids).pooled.scalars, a, "eval mode (the default after init)")
        m.train()
        let b = try m(inputIds: ids).pooled.scalars
        XCTAssertNotEqual(b, a)
        m.eval()
        XCTAssertEqual(try m(inputIds: ids).pooled.scalars, a)
    }

    func testBadInputsAreErrors() throws {
        let m = try DPREncoder(kind: .question, config: tiny, seed: 2)
        XCTAssertThrowsError(try m(inputIds: IntTensor(shape: [1, 2], scalars: [1, 300]))) { XCTAssertTrue("\($0)".contains("300")) }
        XCTAssertThrowsError(try m(inputIds: IntTensor(shape: [1, 41], scalars: Array(repeating: 1, count: 41))))
        var bc = BartConfig()
        bc.vocabSize = 50; bc.dModel = 16; bc.encoderLayers = 1; bc.decoderLayers = 1
        bc.encoderAttentionHeads = 2; bc.decoderAttentionHeads = 2; bc.encoderFfnDim = 32; bc.decoderFfnDim = 32
        bc.maxPositionEmbeddings = 10
        let g = try BartModel(config: bc, seed: 1)
        let src = try IntTensor(shape: [1, 3], scalars: [0, 7, 2])
        XCTAssertThrowsError(try g(inputIds: src), "no decoder inputs or labels")
        var gen = g.config.generation
        gen.maxLength = 12                                  // past the 10 learned positions
        gen.forcedEosTokenId = nil
        gen.minLength = 12
        XCTAssertThrowsError(try g.generate(inputIds: src, config: gen)) { XCTAssertTrue("\($0)".contains("max_position"), "\($0)") }
    }

    /// Dropout overrides change the existing modules' rates and the saved config; the object and weights stay.
    func testRegularizationChangesInPlace() throws {
        var bc = BartConfig()
        bc.vocabSize = 50; bc.dModel = 16; bc.encoderLayers = 1; bc.decoderLayers = 1
        bc.encoderAttentionHeads = 2; bc.decoderAttentionHeads = 2; bc.encoderFfnDim = 32; bc.decoderFfnDim = 32
        bc.dropout = 0.1; bc.attentionDropout = 0.0
        let g = try BartModel(config: bc, seed: 1)
        let before = g.stateDict().map(\.tensor.scalars)
        try g.setRegularization(dropout: 0.3, attentionDropout: 0.2, decoderLayerdrop: 0.5)
        XCTAssertEqual(g.config.dropout, 0.3)
        XCTAssertEqual(g.config.attentionDropout, 0.2)
        XCTAssertEqual(g.config.encoderLayerdrop, bc.encoderLayerdrop)
        XCTAssertEqual(g.decoder.layerdrop, 0.5)
        XCTAssertEqual(g.encoder.input.dropout.p, 0.3)
        XCTAssertEqual(g.decoder.layers.items[0].dropout.p, 0.3)
        XCTAssertEqual(g.decoder.layers.items[0].crossAttention.dropout.p, 0.2)
        XCTAssertEqual(g.encoder.layers.items[0].selfAttention.dropout.p, 0.2)
        XCTAssertEqual(g.encoder.layers.items[0].ffn.activationDropout.p, Float(bc.activationDropout))
        XCTAssertEqual(g.stateDict().map(\.tensor.scalars), before)
        XCTAssertThrowsError(try g.setRegularization(dropout: 1.0)) { XCTAssertTrue("\($0)".contains("[0, 1)"), "\($0)") }
        XCTAssertEqual(g.config.dropout, 0.3)
    }
}
