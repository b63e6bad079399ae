import NN
import Tensor

/// `DPRQuestionEncoder` / `DPRContextEncoder` (transformers `modeling_dpr.py` / `modeling_bert.py`): a BERT encoder whose pooled output is the
/// `[CLS]` hidden state, optionally projected to `projection_dim`. No tanh pooler. With
/// `config.pooling == .mean` / `.meanNormalized` (Ragtime's options for encoders trained that way, e.g.
/// all-MiniLM-L6-v2 converted with `fromBert`) the pooled output is the mean of the unmasked tokens' states
/// (scaled to unit length with `.meanNormalized`) instead.
///
///     let q = try DPREncoder(kind: .question, config: c, seed: 1)         // random, eval mode
///     let out = try q(inputIds: ids)                                    // mask = ids != pad
///     out.pooled                                                        // [B, d] (or [B, projection_dim])
///     try q.save(to: folder); let q2 = try DPREncoder.load(from: folder)
///
/// State-dict names: `question_encoder.bert_model.*` / `ctx_encoder.bert_model.*` (+ `.encode_proj.*`).
public final class DPREncoder: Module {
    public enum Kind: String, Sendable {
        case question, context
        /// First name component of the state dict.
        public var prefix: String { self == .question ? "question_encoder" : "ctx_encoder" }
        public var architecture: String { self == .question ? "DPRQuestionEncoder" : "DPRContextEncoder" }
    }

    public let kind: Kind
    public var config: BertConfig { bert.config }
    public let bert: BertModel
    public let projection: Linear?

    public convenience init(kind: Kind, config: BertConfig, seed: UInt64) throws {
        try self.init(kind: kind, config: config, seed: seed, randomInit: true)
    }

    init(kind: Kind, config: BertConfig, seed: UInt64, randomInit: Bool) throws {
        self.kind = kind
        bert = try BertModel(config: config, seed: seed, randomInit: randomInit)
        projection = config.projectionDim > 0
            ? try Linear(inFeatures: config.hiddenSize, outFeatures: config.projectionDim,
                         std: randomInit ? Float(config.initializerRange) : 0, generator: RNG(seed: seed &+ 0x9E37))
            : nil
        super.init()
        eval()
    }

    override public var entries: [ModuleEntry] {
        [.child(kind.prefix, Namespace([.child("bert_model", bert)] + (projection.map { [.child("encode_proj", $0)] } ?? [])))]
    }

    /// Width of `pooled`.
    public var outputDim: Int { projection?.outFeatures ?? config.hiddenSize }

    /// `inputIds [B, L]`; without `attentionMask` the mask is `inputIds != pad_token_id` (transformers `DPRQuestionEncoder` / `DPRContextEncoder` inputs);
    /// token types default to zeros. Returns the last hidden state `[B, L, d]` and `pooled [B, outputDim]`.
    public func callAsFunction(inputIds: IntTensor, attentionMask: IntTensor? = nil,
                               tokenTypeIds: IntTensor? = nil) throws -> (lastHiddenState: Tensor, pooled: Tensor) {
        let mask = try attentionMask ?? paddingMask(inputIds)
        let h = try bert(inputIds: inputIds, attentionMask: mask, tokenTypeIds: tokenTypeIds)
        var pooled = config.pooling != .cls ? try Self.meanPooled(h, mask: mask, normalized: config.pooling == .meanNormalized)
            : try h.slice(dim: 1, start: 0, end: 1).reshaped([h.shape[0], h.shape[2]])
        if let projection { pooled = try projection(pooled) }
        return (h, pooled)
    }

    /// `sum_t(h[b, t] · mask[b, t]) / max(1, sum_t mask[b, t])`: `h [B, L, d]`, `mask [B, L]` -> `[B, d]`
    /// (sentence-transformers' mean pooling; a row without tokens gives zeros, as its clamped division does);
    /// with `normalized` each row divided by `sqrt(‖row‖₂² + 1e-24)` (its Normalize module: torch's F.normalize
    /// divides by `max(‖row‖₂, 1e-12)`, the same for any row with a token).
    static func meanPooled(_ h: Tensor, mask: IntTensor, normalized: Bool = false) throws -> Tensor {
        let b = h.shape[0], l = h.shape[1]
        guard mask.shape == [b, l] else { throw ModelError.input("mean pooling: mask \(mask.shape) for states \(h.shape)") }
        let weights = try Tensor(shape: [b, l, 1], scalars: mask.scalars.map { $0 != 0 ? 1 : 0 })
        let counts = try Tensor(shape: [b, 1], scalars: (0..<b).map { r in
            Float(max(1, mask.scalars[(r * l)..<((r + 1) * l)].filter { $0 != 0 }.count))
        })
        let mean = try (h * weights).sum(dims: [1]) / counts
        guard normalized else { return mean }
        // sqrt(‖row‖² + 1e-24): the same as torch's max(‖row‖, 1e-12) for every row with a token, and a
        // finite gradient for a zero row (whose plain sqrt would have an infinite derivative at 0).
        let norms = try ((mean * mean).sum(dims: [1], keepDim: true) + Tensor.full([b, 1], value: 1e-24)).sqrt()
        return try mean / norms
    }

    /// The pooled output alone, `[B, outputDim]`: equal to `self(...).pooled` (within float rounding),
    /// but the last layer computes only the CLS position (BertModel `clsOnly`), about 1/L of its query,
    /// output and feed-forward work. Retrieval, KB encoding and RAG's re-encoding use this.
    public func pooled(inputIds: IntTensor, attentionMask: IntTensor? = nil, tokenTypeIds: IntTensor? = nil) throws -> Tensor {
        let mask = try attentionMask ?? paddingMask(inputIds)
        if config.pooling != .cls {
            // Masked columns add nothing to the mean and (all-padding tail) change no other state.
            let t = try TrailingPadding.trimmed([inputIds, mask] + (tokenTypeIds.map { [$0] } ?? []), mask: mask)
            let h = try bert(inputIds: t[0], attentionMask: t[1], tokenTypeIds: t.count > 2 ? t[2] : nil)
            let pooled = try Self.meanPooled(h, mask: t[1], normalized: config.pooling == .meanNormalized)
            return try projection.map { try $0(pooled) } ?? pooled
        }
        let cls = try bert(inputIds: inputIds, attentionMask: mask, tokenTypeIds: tokenTypeIds, clsOnly: true)
        let pooled = try cls.reshaped([cls.shape[0], cls.shape[2]])
        return try projection.map { try $0(pooled) } ?? pooled
    }

    /// The default mask, `ids != pad_token_id` (transformers `DPRQuestionEncoder` / `DPRContextEncoder` inputs).
    private func paddingMask(_ inputIds: IntTensor) throws -> IntTensor {
        try IntTensor(shape: inputIds.shape, scalars: inputIds.scalars.map { $0 != config.padTokenId ? 1 : 0 })
    }
}
