import NN
import Tensor

// BERT encoder as DPR and sentence-transformers use it (transformers `BertEmbeddings`), a port of the reference
// `transformers/models/bert/modeling_bert.py` (post-norm layers, exact GELU, scores / sqrt(dh)).

/// Word + token type + position embeddings, LayerNorm, dropout. Names: `embeddings.*`.
final class BertEmbeddings: Module {
    let word: Embedding, position: Embedding, tokenType: Embedding
    let norm: LayerNorm
    let dropout: Dropout

    init(_ c: BertConfig, _ rng: RNG, std: Float) throws {
        word = try Embedding(count: c.vocabSize, dim: c.hiddenSize, paddingIndex: c.padTokenId, std: std, generator: rng)
        position = try Embedding(count: c.maxPositionEmbeddings, dim: c.hiddenSize, std: std, generator: rng)
        tokenType = try Embedding(count: c.typeVocabSize, dim: c.hiddenSize, std: std, generator: rng)
        norm = try LayerNorm(dim: c.hiddenSize, eps: Float(c.layerNormEps))
        dropout = Dropout(p: Float(c.hiddenDropoutProb), generator: rng)
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("word_embeddings", word), .child("position_embeddings", position),
         .child("token_type_embeddings", tokenType), .child("LayerNorm", norm), .child("dropout", dropout)]
    }

    /// `ids, types [B, L] -> [B, L, d]`; positions are 0..<L.
    func callAsFunction(_ ids: IntTensor, types: IntTensor) throws -> Tensor {
        let length = ids.shape[1]
        var e = try word(ids) + tokenType(types)
        e = try e + position(IntTensor(Array(0..<length)))
        return try dropout(norm(e))
    }
}

/// One post-norm transformer layer. Names: `attention.self.{query,key,value}`,
/// `attention.output.{dense,LayerNorm}`, `intermediate.dense`, `output.{dense,LayerNorm}`.
final class BertLayer: Module {
    let attention: MultiHeadAttention
    let attentionNorm: LayerNorm
    let intermediate: Linear
    let output: Linear
    let outputNorm: LayerNorm
    let dropout: Dropout

    init(_ c: BertConfig, _ rng: RNG, std: Float) throws {
        let d = c.hiddenSize
        func linear(_ i: Int, _ o: Int) throws -> Linear { try Linear(inFeatures: i, outFeatures: o, std: std, generator: rng) }
        attention = MultiHeadAttention(query: try linear(d, d), key: try linear(d, d), value: try linear(d, d),
                                       output: try linear(d, d), heads: c.numAttentionHeads,
                                       dropout: Dropout(p: Float(c.attentionProbsDropoutProb), generator: rng),
                                       scaleQueries: false)
        attentionNorm = try LayerNorm(dim: d, eps: Float(c.layerNormEps))
        intermediate = try linear(d, c.intermediateSize)
        output = try linear(c.intermediateSize, d)
        outputNorm = try LayerNorm(dim: d, eps: Float(c.layerNormEps))
        dropout = Dropout(p: Float(c.hiddenDropoutProb), generator: rng)
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("attention", Namespace([
            .child("self", Namespace([.child("query", attention.query), .child("key", attention.key),
                                      .child("value", attention.value), .child("dropout", attention.dropout)])),
            .child("output", Namespace([.child("dense", attention.output), .child("LayerNorm", attentionNorm)])),
         ])),
         .child("intermediate", Namespace([.child("dense", intermediate)])),
         .child("output", Namespace([.child("dense", output), .child("LayerNorm", outputNorm), .child("dropout", dropout)]))]
    }

    /// `x [B, L, d]`, `bias [B, 1, 1, L]` -> `[B, L, d]`. With `firstTokenOnly` only position 0 is
    /// computed (`[B, 1, d]`): its query attends over all of `x`, and every later step of the layer is
    /// row-wise, so the row equals row 0 of the full result (used for the last layer when only the CLS
    /// state, DPR's pooled output, is needed).
    func callAsFunction(_ x: Tensor, bias: Tensor, firstTokenOnly: Bool = false) throws -> Tensor {
        let q = firstTokenOnly ? try x.slice(dim: 1, start: 0, end: 1) : x
        let a = try attentionNorm(dropout(attention(q, source: x, bias: bias)) + q)
        return try outputNorm(dropout(output(intermediate(a).gelu())) + a)
    }
}

/// The BERT encoder without pooler (names `embeddings.*`, `encoder.layer.{i}.*`).
public final class BertModel: Module {
    public let config: BertConfig
    let embeddings: BertEmbeddings
    let layers: ModuleList<BertLayer>

    /// Random weights as transformers initialises them (normal(0, initializer_range), zero biases,
    /// LayerNorm 1/0, zero padding row), drawn from `seed`. The model starts in eval mode.
    public convenience init(config: BertConfig, seed: UInt64) throws {
        try self.init(config: config, seed: seed, randomInit: true)
    }

    /// `randomInit: false` leaves every weight zero (LayerNorm one) for a checkpoint to overwrite.
    init(config: BertConfig, seed: UInt64, randomInit: Bool) throws {
        try config.validate()
        self.config = config
        let rng = RNG(seed: seed), std = randomInit ? Float(config.initializerRange) : 0
        embeddings = try BertEmbeddings(config, rng, std: std)
        layers = ModuleList(try (0..<config.numHiddenLayers).map { _ in try BertLayer(config, rng, std: std) })
        super.init()
        eval()
    }

    override public var entries: [ModuleEntry] {
        [.child("embeddings", embeddings), .child("encoder", Namespace([.child("layer", layers)]))]
    }

    /// `inputIds [B, L]`, `attentionMask [B, L]` (1 = token), `tokenTypeIds [B, L]` (default zeros)
    /// -> last hidden state `[B, L, d]`, or `[B, 1, d]` (the CLS state alone) with `clsOnly`, which
    /// skips the last layer's query, output and feed-forward work for positions 1..<L and every layer's
    /// work on columns that are padding in all rows.
    public func callAsFunction(inputIds: IntTensor, attentionMask: IntTensor, tokenTypeIds: IntTensor? = nil,
                               clsOnly: Bool = false) throws -> Tensor {
        guard inputIds.shape.count == 2, attentionMask.shape == inputIds.shape else {
            throw ModelError.input("BERT needs input_ids [batch, length] and an attention mask of the same shape, got \(inputIds.shape) and \(attentionMask.shape)")
        }
        let length = inputIds.shape[1]
        guard length <= config.maxPositionEmbeddings else {
            throw ModelError.input("sequence length \(length) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        if let bad = inputIds.scalars.first(where: { !(0..<config.vocabSize).contains($0) }) {
            throw ModelError.input("token id \(bad) outside the vocabulary of \(config.vocabSize)")
        }
        let types = try tokenTypeIds ?? IntTensor(shape: inputIds.shape, scalars: Array(repeating: 0, count: inputIds.count))
        guard types.shape == inputIds.shape, types.scalars.allSatisfy({ (0..<config.typeVocabSize).contains($0) }) else {
            throw ModelError.input("token_type_ids must be [batch, length] with values below \(config.typeVocabSize)")
        }
        // Only the CLS state is returned with clsOnly: the all-padding tail cannot change it (TrailingPadding).
        let t = clsOnly ? try TrailingPadding.trimmed([inputIds, attentionMask, types], mask: attentionMask)
                        : [inputIds, attentionMask, types]
        let bias = try AttentionMask.padding(t[1])
        var h = try embeddings(t[0], types: t[2])
        for (i, layer) in layers.items.enumerated() {
            h = try layer(h, bias: bias, firstTokenOnly: clsOnly && i == layers.items.count - 1)
        }
        if clsOnly && layers.items.isEmpty { h = try h.slice(dim: 1, start: 0, end: 1) }
        return h
    }
}
