import Foundation

/// Configuration of `BartForConditionalGeneration` (transformers `configuration_bart.py`), plus the generation defaults
/// a checkpoint carries (config.json keys, overridden by generation_config.json when present).
///
///     var c = BartConfig(); c.dModel = 64; c.encoderLayers = 2; c.decoderLayers = 2; c.vocabSize = 500
///     let g = try BartModel(config: c, seed: 3)
public struct BartConfig: Equatable, Sendable {
    public var vocabSize = 50265
    public var dModel = 1024
    public var encoderLayers = 12
    public var decoderLayers = 12
    public var encoderAttentionHeads = 16
    public var decoderAttentionHeads = 16
    public var encoderFfnDim = 4096
    public var decoderFfnDim = 4096
    public var maxPositionEmbeddings = 1024
    public var dropout = 0.1
    public var attentionDropout = 0.0
    public var activationDropout = 0.0
    public var encoderLayerdrop = 0.0
    public var decoderLayerdrop = 0.0
    public var scaleEmbedding = false
    public var initStd = 0.02
    public var padTokenId = 1
    public var bosTokenId = 0
    public var eosTokenId = 2
    public var decoderStartTokenId = 2
    /// Generation defaults of this checkpoint.
    public var generation: GenerationConfig

    public init() {
        generation = GenerationConfig(decoderStartTokenId: 2, bosTokenId: 0, eosTokenId: 2, padTokenId: 1)
        generation.forcedEosTokenId = 2
    }

    public func validate() throws {
        func bad(_ r: String) -> ModelError { ModelError.config(r) }
        for (name, v) in [("vocab_size", vocabSize), ("d_model", dModel), ("encoder_layers", encoderLayers),
                          ("decoder_layers", decoderLayers), ("encoder_attention_heads", encoderAttentionHeads),
                          ("decoder_attention_heads", decoderAttentionHeads), ("encoder_ffn_dim", encoderFfnDim),
                          ("decoder_ffn_dim", decoderFfnDim), ("max_position_embeddings", maxPositionEmbeddings)] where v <= 0 {
            throw bad("\(name) must be positive, got \(v)")
        }
        try ModelLimits.check([("encoder_layers", encoderLayers), ("decoder_layers", decoderLayers),
                               ("encoder_attention_heads", encoderAttentionHeads), ("decoder_attention_heads", decoderAttentionHeads)],
                              positions: ("max_position_embeddings", maxPositionEmbeddings))
        guard dModel % encoderAttentionHeads == 0, dModel % decoderAttentionHeads == 0 else {
            throw bad("d_model \(dModel) must be a multiple of the attention head counts")
        }
        for (name, id) in [("pad_token_id", padTokenId), ("bos_token_id", bosTokenId), ("eos_token_id", eosTokenId),
                           ("decoder_start_token_id", decoderStartTokenId)] where !(0..<vocabSize).contains(id) {
            throw bad("\(name) \(id) outside the vocabulary of \(vocabSize)")
        }
        for (name, p) in [("dropout", dropout), ("attention_dropout", attentionDropout), ("activation_dropout", activationDropout),
                          ("encoder_layerdrop", encoderLayerdrop), ("decoder_layerdrop", decoderLayerdrop)]
        where !(0..<1).contains(p) {
            throw bad("\(name) must be in [0, 1), got \(p)")
        }
    }

    /// Generation keys a config.json / generation_config.json may carry with a non-default value only if
    /// Ragtime implements them; the others must keep transformers' default.
    /// (Booleans as 0/1.)
    static let inertGenerationDefaults: [String: Double] = [
        "do_sample": 0, "temperature": 1.0, "top_k": 50, "top_p": 1.0, "repetition_penalty": 1.0,
        "num_beam_groups": 1, "diversity_penalty": 0.0, "remove_invalid_values": 0, "typical_p": 1.0,
        "encoder_no_repeat_ngram_size": 0, "output_scores": 0, "return_dict_in_generate": 0,
    ]
    /// Keys of old BART files that transformers ignores (transformers `configuration_bart.py`).
    static let legacyIgnored: Set<String> = [
        "normalize_before", "add_final_layer_norm", "normalize_embedding", "static_position_embeddings",
        "extra_pos_embeddings", "add_bias_logits", "do_blenderbot_90_layernorm", "classif_dropout", "num_labels",
        "num_hidden_layers", "is_encoder_decoder",
    ]

    /// Parses `config.json` (and optionally `generation_config.json`, whose values win).
    public init(json: [String: Any], generationJSON: [String: Any]? = nil, source: String = "config.json") throws {
        self.init()
        var r = ConfigReader(json: json, source: source)
        let type = try r.string("model_type", "")
        guard type == "bart" else { throw ModelError.config("\(source): model_type \"\(type)\" is not \"bart\"") }
        vocabSize = try r.int("vocab_size", vocabSize)
        dModel = try r.int("d_model", dModel)
        encoderLayers = try r.int("encoder_layers", encoderLayers)
        decoderLayers = try r.int("decoder_layers", decoderLayers)
        encoderAttentionHeads = try r.int("encoder_attention_heads", encoderAttentionHeads)
        decoderAttentionHeads = try r.int("decoder_attention_heads", decoderAttentionHeads)
        encoderFfnDim = try r.int("encoder_ffn_dim", encoderFfnDim)
        decoderFfnDim = try r.int("decoder_ffn_dim", decoderFfnDim)
        maxPositionEmbeddings = try r.int("max_position_embeddings", maxPositionEmbeddings)
        dropout = try r.double("dropout", dropout)
        attentionDropout = try r.double("attention_dropout", attentionDropout)
        activationDropout = try r.double("activation_dropout", activationDropout)
        encoderLayerdrop = try r.double("encoder_layerdrop", encoderLayerdrop)
        decoderLayerdrop = try r.double("decoder_layerdrop", decoderLayerdrop)
        scaleEmbedding = try r.bool("scale_embedding", scaleEmbedding)
        initStd = try r.double("init_std", initStd)
        padTokenId = try r.optionalInt("pad_token_id", padTokenId) ?? padTokenId
        bosTokenId = try r.optionalInt("bos_token_id", bosTokenId) ?? bosTokenId
        eosTokenId = try r.optionalInt("eos_token_id", eosTokenId) ?? eosTokenId
        decoderStartTokenId = try r.optionalInt("decoder_start_token_id", decoderStartTokenId) ?? decoderStartTokenId
        try r.require("activation_function", equals: "gelu") { try $0.string("activation_function", "gelu") }
        try r.require("is_decoder", equals: false) { try $0.bool("is_decoder", false) }
        try r.require("tie_word_embeddings", equals: true) { try $0.bool("tie_word_embeddings", true) }
        generation = GenerationConfig(decoderStartTokenId: decoderStartTokenId, bosTokenId: bosTokenId,
                                      eosTokenId: eosTokenId, padTokenId: padTokenId)
        try Self.readGeneration(&r, into: &generation)
        try r.finish(extraIgnored: Self.legacyIgnored)
        if let g = generationJSON {
            var gr = ConfigReader(json: g, source: "generation_config.json")
            for (key, value) in [("bos_token_id", bosTokenId), ("eos_token_id", eosTokenId), ("pad_token_id", padTokenId),
                                 ("decoder_start_token_id", decoderStartTokenId)] {
                guard try gr.optionalInt(key, value) == value else {
                    throw ModelError.config("generation_config.json: \(key) differs from config.json")
                }
            }
            try Self.readGeneration(&gr, into: &generation)
            try gr.finish(extraIgnored: ["_from_model_config"])
        }
        try validate()
    }

    /// Reads the generation keys of a config object into `g` (also used for RAG configs).
    static func readGeneration(_ r: inout ConfigReader, into g: inout GenerationConfig) throws {
        g.maxLength = try r.int("max_length", g.maxLength)
        g.minLength = try r.int("min_length", g.minLength)
        g.numBeams = try r.int("num_beams", g.numBeams)
        g.numReturnSequences = try r.int("num_return_sequences", g.numReturnSequences)
        g.lengthPenalty = try r.double("length_penalty", g.lengthPenalty)
        g.noRepeatNgramSize = try r.int("no_repeat_ngram_size", g.noRepeatNgramSize)
        g.forcedEosTokenId = try r.optionalInt("forced_eos_token_id", g.forcedEosTokenId)
        g.forcedBosTokenId = try r.optionalInt("forced_bos_token_id", g.forcedBosTokenId)
        if try r.bool("force_bos_token_to_be_generated", false) { g.forcedBosTokenId = g.bosTokenId }
        if let raw = r.json["early_stopping"] {
            r.seen.insert("early_stopping")
            switch raw {
            case let s as String where s == "never": g.earlyStopping = .never
            case let b as Bool: g.earlyStopping = b ? .immediate : .heuristic
            default: throw ModelError.config("\(r.source): early_stopping must be true, false or \"never\", got \(raw)")
            }
        }
        for (key, expected) in inertGenerationDefaults {
            guard let raw = r.json[key] else { continue }
            r.seen.insert(key)
            if raw is NSNull { continue }
            guard (raw as? NSNumber)?.doubleValue == expected else {
                throw ModelError.config("\(r.source): \(key) = \(raw) is not supported (Ragtime generates with \(expected))")
            }
        }
    }

    /// The `config.json` object transformers writes for this model.
    func json() -> [String: Any] {
        var d: [String: Any] = [
            "architectures": ["BartForConditionalGeneration"], "model_type": "bart", "vocab_size": vocabSize,
            "d_model": dModel, "encoder_layers": encoderLayers, "decoder_layers": decoderLayers,
            "encoder_attention_heads": encoderAttentionHeads, "decoder_attention_heads": decoderAttentionHeads,
            "encoder_ffn_dim": encoderFfnDim, "decoder_ffn_dim": decoderFfnDim,
            "max_position_embeddings": maxPositionEmbeddings, "dropout": dropout, "attention_dropout": attentionDropout,
            "activation_dropout": activationDropout, "encoder_layerdrop": encoderLayerdrop,
            "decoder_layerdrop": decoderLayerdrop, "scale_embedding": scaleEmbedding, "init_std": initStd,
            "activation_function": "gelu", "pad_token_id": padTokenId, "bos_token_id": bosTokenId,
            "eos_token_id": eosTokenId, "decoder_start_token_id": decoderStartTokenId, "is_encoder_decoder": true,
            "tie_word_embeddings": true, "dtype": "float32",
        ]
        d["forced_eos_token_id"] = generation.forcedEosTokenId ?? NSNull()
        return d
    }

    /// The `generation_config.json` object for this model's generation defaults.
    func generationJSON() -> [String: Any] {
        let g = generation
        var d: [String: Any] = [
            "bos_token_id": bosTokenId, "eos_token_id": eosTokenId, "pad_token_id": padTokenId,
            "decoder_start_token_id": decoderStartTokenId, "max_length": g.maxLength, "min_length": g.minLength,
            "num_beams": g.numBeams, "num_return_sequences": g.numReturnSequences, "length_penalty": g.lengthPenalty,
            "no_repeat_ngram_size": g.noRepeatNgramSize,
        ]
        if let e = g.forcedEosTokenId { d["forced_eos_token_id"] = e }
        if let b = g.forcedBosTokenId { d["forced_bos_token_id"] = b }
        switch g.earlyStopping {
        case .heuristic: d["early_stopping"] = false
        case .immediate: d["early_stopping"] = true
        case .never: d["early_stopping"] = "never"
        }
        return d
    }
}
