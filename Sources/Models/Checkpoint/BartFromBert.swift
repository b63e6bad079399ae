import Foundation
import Tensor
import Tokenizers

/// A BART generator whose layers start from a pretrained BERT and whose vocabulary is its own tokenizer's: the
/// warm start of "Leveraging Pre-trained Checkpoints for Sequence Generation Tasks" (Rothe, Narayan and Severyn,
/// TACL 2020: BERT2BERT), adapted to BART's layout and to a different vocabulary.
///
/// - Encoder layer i and decoder layer i are BERT layer i (both are post-LayerNorm blocks with GELU): query /
///   key / value / output projections to `self_attn.{q,k,v,out}_proj`, the attention LayerNorm to
///   `self_attn_layer_norm`, intermediate / output to `fc1` / `fc2`, the output LayerNorm to `final_layer_norm`.
///   A decoder's cross-attention (`encoder_attn`, absent from BERT) starts as a copy of the same layer's
///   self-attention, as BERT2BERT initialises it from BERT's.
/// - Embeddings: BART position p uses row p + 2 of `embed_positions`; that row is BERT's position p plus BERT's
///   token-type-0 vector (which BERT adds to every token); BERT's embedding LayerNorm becomes
///   `layernorm_embedding` of both stacks.
/// - Token embeddings (`shared`, tied to the output layer): each id of `tokenizer` is decoded to its text and
///   WordPiece-tokenized with `bertTokenizer` (a piece that continues a word, i.e. has no leading space, maps to
///   BERT's `##` form when it has one); its vector is the mean of those BERT word vectors. Special tokens map by
///   role (`<s>`→`[CLS]`, `</s>`→`[SEP]`, `<pad>`→`[PAD]`, `<unk>`→`[UNK]`, `<mask>`→`[MASK]`). Ids whose text is
///   not valid UTF-8 on its own (a byte-level piece of a longer character) or maps only to `[UNK]` keep their
///   random initialisation; `mappedTokens` counts the others.
/// - LayerNorm epsilon is BART's 1e-5 (BERT's is 1e-12); `final_logits_bias` is zero.
extension BartModel {
    public struct WarmStart {
        public let model: BartModel
        /// Vocabulary ids whose embedding came from BERT's word vectors.
        public let mappedTokens: Int
    }

    /// `config` must have BERT's width, heads and FFN size, at most BERT's layers and positions, and `tokenizer`'s
    /// vocabulary size; ids it does not map keep `seed`'s random initialisation.
    public static func fromBert(folder: URL, bertTokenizer: Tokenizer, tokenizer: Tokenizer, config: BartConfig,
                                seed: UInt64) throws -> WarmStart {
        let bert = try BertModel.load(from: folder)
        let b = bert.config
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw ModelError.config("bart from \(folder.lastPathComponent): \(message)") }
        }
        try require(config.dModel == b.hiddenSize, "d_model \(config.dModel) must be BERT's hidden_size \(b.hiddenSize)")
        try require(config.encoderAttentionHeads == b.numAttentionHeads && config.decoderAttentionHeads == b.numAttentionHeads,
                    "attention heads must be BERT's \(b.numAttentionHeads)")
        try require(config.encoderFfnDim == b.intermediateSize && config.decoderFfnDim == b.intermediateSize,
                    "ffn dims must be BERT's intermediate_size \(b.intermediateSize)")
        try require((1...b.numHiddenLayers).contains(config.encoderLayers) && (1...b.numHiddenLayers).contains(config.decoderLayers),
                    "encoder and decoder layers must be from 1 to BERT's \(b.numHiddenLayers)")
        try require(config.maxPositionEmbeddings <= b.maxPositionEmbeddings,
                    "max_position_embeddings \(config.maxPositionEmbeddings) exceeds BERT's \(b.maxPositionEmbeddings)")
        try require(config.vocabSize == tokenizer.vocabSize, "vocab_size \(config.vocabSize) differs from the tokenizer's \(tokenizer.vocabSize)")

        let model = try BartModel(config: config, seed: seed)
        let source = Dictionary(uniqueKeysWithValues: bert.stateDict().map { ($0.name, $0.tensor) })
        func weight(_ name: String) throws -> Tensor {
            guard let t = source[name] else { throw ModelError.checkpoint("\(folder.path): BERT has no \(name)") }
            return t
        }
        var target = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor) })
        func set(_ name: String, _ t: Tensor) throws {
            guard let old = target[name] else { throw ModelError.checkpoint("BART has no \(name)") }
            guard old.shape == t.shape else { throw ModelError.checkpoint("\(name): BART \(old.shape), from BERT \(t.shape)") }
            target[name] = t
        }
        let attention = ["q_proj": "attention.self.query", "k_proj": "attention.self.key", "v_proj": "attention.self.value",
                         "out_proj": "attention.output.dense"]
        let block = ["self_attn_layer_norm": "attention.output.LayerNorm", "fc1": "intermediate.dense", "fc2": "output.dense",
                     "final_layer_norm": "output.LayerNorm"]
        for (stack, layers) in [("encoder", config.encoderLayers), ("decoder", config.decoderLayers)] {
            for i in 0..<layers {
                let from = "encoder.layer.\(i).", to = "model.\(stack).layers.\(i)."
                for part in ["weight", "bias"] {
                    for (bart, bertName) in attention {
                        try set(to + "self_attn.\(bart).\(part)", try weight(from + bertName + ".\(part)"))
                        if stack == "decoder" { try set(to + "encoder_attn.\(bart).\(part)", try weight(from + bertName + ".\(part)").copied()) }
                    }
                    for (bart, bertName) in block { try set(to + "\(bart).\(part)", try weight(from + bertName + ".\(part)")) }
                    if stack == "decoder" { try set(to + "encoder_attn_layer_norm.\(part)", try weight(from + "attention.output.LayerNorm.\(part)").copied()) }
                }
            }
            for part in ["weight", "bias"] {
                try set("model.\(stack).layernorm_embedding.\(part)", try weight("embeddings.LayerNorm.\(part)"))
            }
            try set("model.\(stack).embed_positions.weight", try positions(try weight("embeddings.position_embeddings.weight"),
                                                                           typeZero: try weight("embeddings.token_type_embeddings.weight"),
                                                                           rows: config.maxPositionEmbeddings + 2))
        }
        let (embedding, mapped) = try tokenEmbeddings(bertWords: try weight("embeddings.word_embeddings.weight"), bertTokenizer: bertTokenizer,
                                                      tokenizer: tokenizer, initial: target["model.shared.weight"]!)
        for alias in ["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"]
            where target[alias] != nil { target[alias] = embedding }
        try model.loadStateDict(target, source: folder.path)
        return WarmStart(model: model, mappedTokens: mapped)
    }

    /// `[rows, d]`: row p + 2 = BERT position p + token type 0; rows 0 and 1 (never used by BART) as row 2.
    static func positions(_ bertPositions: Tensor, typeZero: Tensor, rows: Int) throws -> Tensor {
        let d = bertPositions.shape[1]
        let p = bertPositions.scalars, t = Array(typeZero.scalars[0..<d])
        var out = [Float](repeating: 0, count: rows * d)
        for r in 0..<rows {
            let position = max(0, r - 2)
            for j in 0..<d { out[r * d + j] = p[position * d + j] + t[j] }
        }
        return try Tensor(shape: [rows, d], scalars: out)
    }

    /// The BART vocabulary's embeddings from BERT's word vectors (see the type's comment); `initial` supplies the
    /// rows it cannot map.
    static func tokenEmbeddings(bertWords: Tensor, bertTokenizer: Tokenizer, tokenizer: Tokenizer,
                                initial: Tensor) throws -> (Tensor, Int) {
        let d = bertWords.shape[1], words = bertWords.scalars
        var out = initial.scalars
        let unk = bertTokenizer.id(for: "[UNK]")
        var special: [Int: String] = [:]
        let ids = tokenizer.specialTokenIds
        for (id, name) in [(ids.bos, "[CLS]"), (ids.eos, "[SEP]"), (ids.pad, "[PAD]"), (ids.unk, "[UNK]"),
                           (tokenizer.id(for: "<mask>"), "[MASK]")] {
            if let id { special[id] = name }
        }
        var mapped = 0
        for id in 0..<tokenizer.vocabSize {
            var pieces: [Int] = []
            if let name = special[id] {
                if let bertID = bertTokenizer.id(for: name) { pieces = [bertID] }
            } else {
                let text = try tokenizer.decode([id], skipSpecialTokens: false, cleanUpTokenizationSpaces: false)
                let word = text.trimmingCharacters(in: .whitespaces)
                if !word.isEmpty && !text.contains("\u{FFFD}") {
                    pieces = bertTokenizer.encode(word, addSpecialTokens: false).ids.filter { $0 != unk }
                    // A piece that continues a word (no leading space) is BERT's `##` form of its first piece.
                    if !text.hasPrefix(" "), let first = pieces.first, let piece = bertTokenizer.token(for: first),
                       !piece.hasPrefix("##"), let continued = bertTokenizer.id(for: "##" + piece) {
                        pieces[0] = continued
                    }
                }
            }
            guard !pieces.isEmpty else { continue }
            mapped += 1
            for j in 0..<d {
                var sum: Float = 0
                for w in pieces { sum += words[w * d + j] }
                out[id * d + j] = sum / Float(pieces.count)
            }
        }
        return (try Tensor(shape: initial.shape, scalars: out), mapped)
    }
}
