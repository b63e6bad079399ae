import Foundation

/// Configuration of a BERT encoder as DPR uses it (transformers `configuration_dpr.py`). Read from a `dpr` config (the DPR
/// wrappers) or a `bert` config (a bare encoder such as all-MiniLM-L6-v2).
///
///     var c = BertConfig(); c.hiddenSize = 64; c.numHiddenLayers = 2; c.numAttentionHeads = 2
///     let q = try DPREncoder(kind: .question, config: c, seed: 1)
public struct BertConfig: Equatable, Sendable {
    public var vocabSize = 30522
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenDropoutProb = 0.1
    public var attentionProbsDropoutProb = 0.1
    public var maxPositionEmbeddings = 512
    public var typeVocabSize = 2
    public var initializerRange = 0.02
    public var layerNormEps = 1e-12
    public var padTokenId = 0
    /// 0 = no projection after pooling (DPR only).
    public var projectionDim = 0
    /// How a DPR encoder pools its last hidden state (Ragtime's config key `ragtime_pooling`).
    public var pooling = Pooling.cls

    /// `.cls` is DPR's rule (the `[CLS]` state; transformers' DPR classes, always); `.mean` averages the
    /// states of the unmasked tokens; `.meanNormalized` also scales each vector to unit length, the full
    /// rule all-MiniLM-L6-v2 was trained with (sentence-transformers' Pooling + Normalize: inner products
    /// are then cosines). Saved as `"ragtime_pooling": "mean"` / `"mean_normalized"` in config.json
    /// (transformers keeps the key but pools `[CLS]`, so only Ragtime reproduces these); `.cls` writes no key.
    public enum Pooling: String, Sendable, CaseIterable {
        case cls, mean
        case meanNormalized = "mean_normalized"
    }

    public init() {}

    /// `dh = hiddenSize / numAttentionHeads`.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    public func validate() throws {
        func bad(_ r: String) -> ModelError { ModelError.config(r) }
        for (name, v) in [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                          ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                          ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)] where v <= 0 {
            throw bad("\(name) must be positive, got \(v)")
        }
        try ModelLimits.check([("num_hidden_layers", numHiddenLayers), ("num_attention_heads", numAttentionHeads),
                               ("type_vocab_size", typeVocabSize)],
                              positions: ("max_position_embeddings", maxPositionEmbeddings))
        guard hiddenSize % numAttentionHeads == 0 else {
            throw bad("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard projectionDim >= 0 else { throw bad("projection_dim must be >= 0, got \(projectionDim)") }
        guard (0..<vocabSize).contains(padTokenId) else { throw bad("pad_token_id \(padTokenId) outside the vocabulary") }
        for (name, p) in [("hidden_dropout_prob", hiddenDropoutProb), ("attention_probs_dropout_prob", attentionProbsDropoutProb)]
        where !(0..<1).contains(p) {
            throw bad("\(name) must be in [0, 1), got \(p)")
        }
    }

    /// Parses a `config.json` object; `modelType` must be "dpr" or "bert".
    public init(json: [String: Any], source: String = "config.json") throws {
        var r = ConfigReader(json: json, source: source)
        let type = try r.string("model_type", "")
        guard type == "dpr" || type == "bert" else {
            throw ModelError.config("\(source): model_type \"\(type)\" is not a BERT/DPR encoder (expected \"dpr\" or \"bert\")")
        }
        vocabSize = try r.int("vocab_size", vocabSize)
        hiddenSize = try r.int("hidden_size", hiddenSize)
        numHiddenLayers = try r.int("num_hidden_layers", numHiddenLayers)
        numAttentionHeads = try r.int("num_attention_heads", numAttentionHeads)
        intermediateSize = try r.int("intermediate_size", intermediateSize)
        hiddenDropoutProb = try r.double("hidden_dropout_prob", hiddenDropoutProb)
        attentionProbsDropoutProb = try r.double("attention_probs_dropout_prob", attentionProbsDropoutProb)
        maxPositionEmbeddings = try r.int("max_position_embeddings", maxPositionEmbeddings)
        typeVocabSize = try r.int("type_vocab_size", typeVocabSize)
        initializerRange = try r.double("initializer_range", initializerRange)
        layerNormEps = try r.double("layer_norm_eps", layerNormEps)
        padTokenId = try r.optionalInt("pad_token_id", padTokenId) ?? 0
        if type == "dpr" { projectionDim = try r.int("projection_dim", 0) }
        let poolingName = try r.string("ragtime_pooling", Pooling.cls.rawValue)
        guard let pooling = Pooling(rawValue: poolingName) else {
            throw ModelError.config("\(source): ragtime_pooling must be \"cls\", \"mean\" or \"mean_normalized\", got \"\(poolingName)\"")
        }
        self.pooling = pooling
        try r.require("hidden_act", equals: "gelu") { try $0.string("hidden_act", "gelu") }
        try r.require("position_embedding_type", equals: "absolute") { try $0.string("position_embedding_type", "absolute") }
        try r.require("is_decoder", equals: false) { try $0.bool("is_decoder", false) }
        try r.require("add_cross_attention", equals: false) { try $0.bool("add_cross_attention", false) }
        try r.finish(extraIgnored: ["tie_word_embeddings", "layer_norm_eps"])
        try validate()
    }

    /// The `config.json` object transformers writes for this encoder.
    func json(modelType: String, architecture: String) -> [String: Any] {
        var d: [String: Any] = [
            "architectures": [architecture], "model_type": modelType, "vocab_size": vocabSize,
            "hidden_size": hiddenSize, "num_hidden_layers": numHiddenLayers, "num_attention_heads": numAttentionHeads,
            "intermediate_size": intermediateSize, "hidden_act": "gelu", "hidden_dropout_prob": hiddenDropoutProb,
            "attention_probs_dropout_prob": attentionProbsDropoutProb, "max_position_embeddings": maxPositionEmbeddings,
            "type_vocab_size": typeVocabSize, "initializer_range": initializerRange, "layer_norm_eps": layerNormEps,
            "pad_token_id": padTokenId, "dtype": "float32", "is_decoder": false, "add_cross_attention": false,
        ]
        if modelType == "dpr" { d["projection_dim"] = projectionDim }
        if pooling != .cls { d["ragtime_pooling"] = pooling.rawValue }
        return d
    }
}
