import NN
import Tensor

/// Encoder stack. Names: `embed_tokens` (alias of `shared`), `embed_positions`, `layers.{i}`,
/// `layernorm_embedding`.
final class BartEncoder: Module {
    let input: BartInputEmbedding
    let layers: ModuleList<BartEncoderLayer>
    var layerdrop: Double
    let rng: RNG

    init(shared: Embedding, _ c: BartConfig, _ rng: RNG) throws {
        input = try BartInputEmbedding(tokens: shared, c, rng)
        layers = ModuleList(try (0..<c.encoderLayers).map { _ in try BartEncoderLayer(c, rng) })
        layerdrop = c.encoderLayerdrop
        self.rng = rng
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("embed_tokens", input.tokens), .child("embed_positions", input.positions), .child("layers", layers),
         .child("layernorm_embedding", input.norm), .child("dropout", input.dropout)]
    }

    /// `ids [B, L]`, `bias [B, 1, 1, L]` -> `[B, L, d]`.
    func callAsFunction(_ ids: IntTensor, bias: Tensor) throws -> Tensor {
        var x = try input(ids, past: 0)
        for layer in layers.items where keepLayer(self, p: layerdrop, rng) { x = try layer(x, bias: bias) }
        return x
    }
}

/// Decoder stack, same names as the encoder (layers with `encoder_attn`).
final class BartDecoder: Module {
    let input: BartInputEmbedding
    let layers: ModuleList<BartDecoderLayer>
    var layerdrop: Double
    let rng: RNG

    init(shared: Embedding, _ c: BartConfig, _ rng: RNG) throws {
        input = try BartInputEmbedding(tokens: shared, c, rng)
        layers = ModuleList(try (0..<c.decoderLayers).map { _ in try BartDecoderLayer(c, rng) })
        layerdrop = c.decoderLayerdrop
        self.rng = rng
        super.init()
    }

    override var entries: [ModuleEntry] {
        [.child("embed_tokens", input.tokens), .child("embed_positions", input.positions), .child("layers", layers),
         .child("layernorm_embedding", input.norm), .child("dropout", input.dropout)]
    }

    /// `ids [B, T]` (new tokens only when a cache is given), `encoder [B, L, d]`, `crossBias [B, 1, 1, L]`
    /// -> `[B, T, d]`. The cache, if any, is extended by `T` positions.
    func callAsFunction(_ ids: IntTensor, encoder: Tensor, crossBias: Tensor, cache: inout KeyValueCache?) throws -> Tensor {
        let past = cache?.length ?? 0, t = ids.shape[1]
        var y = try input(ids, past: past)
        let selfBias = t > 1 ? try AttentionMask.causal(length: t, past: past) : nil
        for (i, layer) in layers.items.enumerated() {
            // A skipped layer cannot be cached consistently; layer drop is a training-only feature.
            guard cache != nil || keepLayer(self, p: layerdrop, rng) else { continue }
            y = try layer(y, encoder: encoder, selfBias: selfBias, crossBias: crossBias, cache: &cache, index: i)
        }
        return y
    }
}

/// `BartForConditionalGeneration` (transformers `modeling_bart.py`): encoder-decoder with tied `lm_head` and
/// `final_logits_bias`.
///
///     let g = try BartModel(config: c, seed: 3)                       // random, eval mode
///     let out = try g(inputIds: src, attentionMask: mask, labels: labels)
///     try out.loss!.backward()
///     let ids = try g.generate(inputIds: src, attentionMask: mask)   // [[Int]], start token first
///
/// State-dict names (registration order): `final_logits_bias`, `model.shared.weight`,
/// `model.encoder.*`, `model.decoder.*`; `model.{encoder,decoder}.embed_tokens.weight` and
/// `lm_head.weight` are aliases of `model.shared.weight` and are not saved.
public final class BartModel: Module {
    /// Its dropout and layer-drop entries change only through `setRegularization`.
    public internal(set) var config: BartConfig
    public let shared: Embedding
    /// `[1, V]` buffer added to the logits (not trained).
    public let finalLogitsBias: Tensor
    let encoder: BartEncoder
    let decoder: BartDecoder

    /// Random weights as transformers initialises BART (normal(0, init_std), zero biases, LayerNorm 1/0,
    /// zero `pad` row of `shared`, zero `final_logits_bias`), drawn from `seed`; eval mode.
    public convenience init(config: BartConfig, seed: UInt64) throws {
        try self.init(config: config, seed: seed, randomInit: true)
    }

    /// `randomInit: false` leaves every weight zero (LayerNorm one) for a checkpoint to overwrite.
    init(config: BartConfig, seed: UInt64, randomInit: Bool) throws {
        try config.validate()
        self.config = config
        let rng = RNG(seed: seed)
        var layerConfig = config            // only the init std differs; `self.config` keeps the real one
        if !randomInit { layerConfig.initStd = 0 }
        shared = try Embedding(count: config.vocabSize, dim: config.dModel, paddingIndex: config.padTokenId,
                               std: Float(layerConfig.initStd), generator: rng)
        finalLogitsBias = try Tensor.zeros([1, config.vocabSize])
        encoder = try BartEncoder(shared: shared, layerConfig, rng)
        decoder = try BartDecoder(shared: shared, layerConfig, rng)
        super.init()
        eval()
    }

    override public var entries: [ModuleEntry] {
        [.buffer("final_logits_bias", finalLogitsBias),
         .child("model", Namespace([.child("shared", shared), .child("encoder", encoder), .child("decoder", decoder)])),
         .child("lm_head", Namespace([.parameter("weight", shared.weight)]))]
    }

    public var vocabularySize: Int { config.vocabSize }

    func checkIds(_ ids: IntTensor, _ what: String) throws {
        guard ids.shape.count == 2, ids.shape[0] > 0, ids.shape[1] > 0 else {
            throw ModelError.input("\(what) must be [batch, length] with both > 0, got \(ids.shape)")
        }
        if let bad = ids.scalars.first(where: { !(0..<config.vocabSize).contains($0) }) {
            throw ModelError.input("\(what): token id \(bad) outside the vocabulary of \(config.vocabSize)")
        }
    }

    /// Encoder output `[B, L, d]` for `inputIds [B, L]`; mask defaults to `inputIds != pad`.
    public func encode(inputIds: IntTensor, attentionMask: IntTensor? = nil) throws -> Tensor {
        try checkIds(inputIds, "input_ids")
        return try encoder(inputIds, bias: AttentionMask.padding(try mask(inputIds, attentionMask)))
    }

    func mask(_ ids: IntTensor, _ given: IntTensor?) throws -> IntTensor {
        if let given {
            guard given.shape == ids.shape else {
                throw ModelError.input("attention_mask \(given.shape) must match input_ids \(ids.shape)")
            }
            return given
        }
        return try IntTensor(shape: ids.shape, scalars: ids.scalars.map { $0 != config.padTokenId ? 1 : 0 })
    }

    /// Decoder logits `[B, T, V]` for `decoderInputIds [B, T]` over `encoderHidden [B, L, d]` with the
    /// encoder's `attentionMask [B, L]`. With a cache, pass only the new tokens; the cache grows.
    public func decode(decoderInputIds: IntTensor, encoderHidden: Tensor, attentionMask: IntTensor,
                       cache: inout KeyValueCache?) throws -> (logits: Tensor, hidden: Tensor) {
        try checkIds(decoderInputIds, "decoder_input_ids")
        guard encoderHidden.rank == 3, encoderHidden.shape[0] == decoderInputIds.shape[0],
              attentionMask.shape == [encoderHidden.shape[0], encoderHidden.shape[1]] else {
            throw ModelError.input("decoder rows \(decoderInputIds.shape), encoder states \(encoderHidden.shape) and mask \(attentionMask.shape) disagree")
        }
        let h = try decoder(decoderInputIds, encoder: encoderHidden, crossBias: AttentionMask.padding(attentionMask), cache: &cache)
        let logits = try h.matmul(shared.weight, transposeB: true) + finalLogitsBias
        return (logits, h)
    }

    /// `shift_tokens_right` (transformers `shift_tokens_right`): start token first, labels shifted right, -100 replaced by pad.
    public func shiftTokensRight(_ labels: IntTensor) throws -> IntTensor {
        let b = labels.shape[0], t = labels.shape[1]
        var out = [Int](repeating: 0, count: b * t)
        for r in 0..<b {
            out[r * t] = config.decoderStartTokenId
            for j in 1..<max(t, 1) { out[r * t + j] = labels.scalars[r * t + j - 1] }
        }
        return try IntTensor(shape: labels.shape, scalars: out.map { $0 == -100 ? config.padTokenId : $0 })
    }

    public struct Output {
        public let logits: Tensor
        public let encoderLastHiddenState: Tensor
        public let decoderLastHiddenState: Tensor
        /// Mean cross entropy over label positions != -100 (only when labels were given).
        public let loss: Tensor?
    }

    /// Full forward. Decoder inputs: `decoderInputIds`, else `shiftTokensRight(labels)`.
    public func callAsFunction(inputIds: IntTensor, attentionMask: IntTensor? = nil, decoderInputIds: IntTensor? = nil,
                               labels: IntTensor? = nil) throws -> Output {
        let m = try mask(inputIds, attentionMask)
        let enc = try encode(inputIds: inputIds, attentionMask: m)
        guard let dec = try decoderInputIds ?? labels.map({ try shiftTokensRight($0) }) else {
            throw ModelError.input("BART forward needs decoder_input_ids or labels")
        }
        var noCache: KeyValueCache? = nil
        let (logits, hidden) = try decode(decoderInputIds: dec, encoderHidden: enc, attentionMask: m, cache: &noCache)
        var loss: Tensor?
        if let labels {
            guard labels.shape == dec.shape else { throw ModelError.input("labels \(labels.shape) must match decoder inputs \(dec.shape)") }
            loss = try Tensor.crossEntropy(logits: logits, targets: labels, ignoreIndex: -100, reduction: .mean)
        }
        return Output(logits: logits, encoderLastHiddenState: enc, decoderLastHiddenState: hidden, loss: loss)
    }
}
