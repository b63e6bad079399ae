import Foundation
import Models
import NN
import Tensor
import Tokenizers

/// The `dpr`, `bart` and `model` namespaces and the `DPREncoder` / `Bart` handles (docs/models.md):
///
///     q = dpr.init_question_encoder({hidden_size: 32, num_hidden_layers: 1, ...}, seed: 1, tokenizer: tok)
///     g = bart.init({d_model: 32, ...}, seed: 2, tokenizer: bpe)
///     m = model.load("path")                  # type from config.json; tokenizer from the folder if present
///     q.encode(["who?"])                      # [N, d] pooled vectors (no gradient)
///     g.generate(["text"], beams: 4, max_length: 25)
///     q.parameters()  q.train()  q.eval()  q.save("path")
///
/// Configs are Dicts of Hugging Face `config.json` keys, parsed exactly as a file is (closed key set:
/// an unknown key is an error naming it).
enum ModelBuiltins {
    static var tokenizerParam: Param { Param("tokenizer", default: .null) }

    static var table: BuiltinTable {
        BuiltinTable(namespaces: [
            NamespaceTable("dpr", doc: "DPR question and context encoders (BERT)", functions: [
                initEncoder("init_question_encoder", .question), initEncoder("init_ctx_encoder", .context),
                Builtin("from_bert", [Param("path"), Param("kind"), Param("pooling", default: .string("cls")), tokenizerParam],
                        "from_bert(path, kind: \"question\" or \"context\", pooling: \"cls\", tokenizer: nil) -> DPREncoder: a BERT folder (model_type bert, e.g. all-MiniLM-L6-v2) as a DPR encoder with the same weights; pooling \"cls\" (DPR), \"mean\" (masked mean of the last states) or \"mean_normalized\" (that mean at unit length, as sentence-transformers' all-MiniLM-L6-v2), recorded in the saved config as ragtime_pooling; the tokenizer is the argument, else the folder's") { args in
                    try fromBert(args)
                },
            ]),
            NamespaceTable("bart", doc: "BART generators (BartForConditionalGeneration)", functions: [
                Builtin("init", [Param("config"), Param("seed", default: .int(0)), tokenizerParam],
                        "init(config, seed: 0, tokenizer: nil) -> Bart: random weights (normal(0, init_std)) from a Dict of BART config.json keys (vocab_size, d_model, encoder_layers, decoder_layers, encoder_attention_heads, decoder_attention_heads, encoder_ffn_dim, decoder_ffn_dim, max_position_embeddings, dropout, attention_dropout, activation_dropout, init_std, pad/bos/eos/decoder_start_token_id, forced_eos_token_id, max_length, num_beams, ...)") { args in
                    let json = try ModelSupport.configJSON(args, "config", modelType: "bart")
                    let seed = try ModelSupport.seed(args)
                    return try KBBuiltins.wrap(args.function) {
                        let config = try BartConfig(json: json, source: "config Dict")
                        return .handle(try BartBox(try BartModel(config: config, seed: seed), tokenizer: try ModelSupport.tokenizerArg(args)))
                    }
                },
                Builtin("from_bert", [Param("path"), Param("tokenizer"), Param("config", default: .dict(DictRef([]))), Param("seed", default: .int(0))],
                        "from_bert(path, tokenizer, config: {}, seed: 0) -> Bart: a BART whose encoder and decoder layers start from the BERT folder's (BERT2BERT warm start: cross-attention copied from self-attention) and whose vocabulary is `tokenizer`'s, each token's embedding the mean of BERT's word vectors for its WordPiece pieces (docs/models.md); d_model, heads and FFN sizes are BERT's, layers default to BERT's (config may ask fewer), vocab and special ids are the tokenizer's, other config keys as bart.init; unmapped ids keep seed's random init (the count goes to standard error)") { args in
                    try bartFromBert(args)
                },
            ]),
            NamespaceTable("model", doc: "load model folders (config.json + model.safetensors)", functions: [
                Builtin("load", [Param("path"), tokenizerParam],
                        "load(path, tokenizer: nil) -> DPREncoder or Bart: the type from config.json (model_type dpr or bart); the tokenizer is the argument, else the folder's tokenizer files if any") { args in
                    try load(args)
                },
            ]),
        ], handleTypes: [encoderType, bartType])
    }

    private static func initEncoder(_ name: String, _ kind: DPREncoder.Kind) -> Builtin {
        Builtin(name, [Param("config"), Param("seed", default: .int(0)), tokenizerParam],
                "\(name)(config, seed: 0, tokenizer: nil) -> DPREncoder: a random \(kind == .question ? "question" : "context") encoder (normal(0, initializer_range)) from a Dict of DPR config.json keys (vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, hidden_dropout_prob, attention_probs_dropout_prob, max_position_embeddings, type_vocab_size, initializer_range, layer_norm_eps, pad_token_id, projection_dim)") { args in
            let json = try ModelSupport.configJSON(args, "config", modelType: "dpr")
            let seed = try ModelSupport.seed(args)
            return try KBBuiltins.wrap(args.function) {
                let config = try BertConfig(json: json, source: "config Dict")
                return .handle(try EncoderBox(try DPREncoder(kind: kind, config: config, seed: seed), tokenizer: try ModelSupport.tokenizerArg(args)))
            }
        }
    }

    private static func bartFromBert(_ args: CallArgs) throws -> Value {
        let folder = URL(fileURLWithPath: try args.string("path"))
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw RuntimeError("\(args.function): \(folder.path) has no config.json")
        }
        guard let tokenizer = try ModelSupport.tokenizerArg(args) else { throw RuntimeError("\(args.function): tokenizer is required") }
        var json = try ModelSupport.configJSON(args, "config", modelType: "bart")
        return try KBBuiltins.wrap(args.function) {
            let bert = try ConfigReader.load(folder.appendingPathComponent("config.json"))
            func int(_ key: String) -> Int? { (bert[key] as? NSNumber)?.intValue }
            let derived: [(String, Any?)] = [
                ("d_model", int("hidden_size")), ("encoder_attention_heads", int("num_attention_heads")),
                ("decoder_attention_heads", int("num_attention_heads")), ("encoder_ffn_dim", int("intermediate_size")),
                ("decoder_ffn_dim", int("intermediate_size")), ("encoder_layers", int("num_hidden_layers")),
                ("decoder_layers", int("num_hidden_layers")), ("max_position_embeddings", int("max_position_embeddings")),
                ("vocab_size", tokenizer.vocabSize), ("pad_token_id", tokenizer.specialTokenIds.pad),
                ("bos_token_id", tokenizer.specialTokenIds.bos), ("eos_token_id", tokenizer.specialTokenIds.eos)]
            for (key, value) in derived where json[key] == nil { if let value { json[key] = value } }
            let config = try BartConfig(json: json, source: "config Dict")
            let bertTokenizer = try ModelSupport.folderTokenizer(folder)
            guard let bertTokenizer else { throw RuntimeError("\(args.function): \(folder.path) has no tokenizer files (vocab.txt or tokenizer.json)") }
            let warm = try BartModel.fromBert(folder: folder, bertTokenizer: bertTokenizer, tokenizer: tokenizer, config: config,
                                              seed: try ModelSupport.seed(args))
            FileHandle.standardError.write(Data("bart.from_bert: \(warm.mappedTokens) of \(tokenizer.vocabSize) token embeddings from \(folder.lastPathComponent)'s word vectors\n".utf8))
            return .handle(try BartBox(warm.model, tokenizer: tokenizer))
        }
    }

    private static func fromBert(_ args: CallArgs) throws -> Value {
        let folder = URL(fileURLWithPath: try args.string("path"))
        let kindName = try args.string("kind"), poolingName = try args.string("pooling")
        guard let kind = DPREncoder.Kind(rawValue: kindName) else {
            throw RuntimeError("\(args.function): kind must be \"question\" or \"context\", got \"\(kindName)\"")
        }
        guard let pooling = BertConfig.Pooling(rawValue: poolingName) else {
            throw RuntimeError("\(args.function): pooling must be \"cls\", \"mean\" or \"mean_normalized\", got \"\(poolingName)\"")
        }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
            throw RuntimeError("\(args.function): \(folder.path) has no config.json")
        }
        return try KBBuiltins.wrap(args.function) {
            let tokenizer = try ModelSupport.tokenizerArg(args) ?? ModelSupport.folderTokenizer(folder)
            return .handle(try EncoderBox(try DPREncoder.fromBert(folder: folder, kind: kind, pooling: pooling), tokenizer: tokenizer))
        }
    }

    private static func load(_ args: CallArgs) throws -> Value {
        let folder = URL(fileURLWithPath: try args.string("path"))
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw RuntimeError("\(args.function): \(folder.path) has no config.json")
        }
        return try KBBuiltins.wrap(args.function) {
            let json = try ConfigReader.load(configURL)
            let tokenizer = try ModelSupport.tokenizerArg(args) ?? ModelSupport.folderTokenizer(folder)
            switch json["model_type"] as? String {
            case "dpr": return .handle(try EncoderBox(try DPREncoder.load(from: folder), tokenizer: tokenizer))
            case "bart": return .handle(try BartBox(try BartModel.load(from: folder), tokenizer: tokenizer))
            case "rag": throw ModelError.checkpoint("\(folder.path) is a RAG checkpoint: load it with rag.load(path, kb: k)")
            case let other:
                throw ModelError.config("\(configURL.path): model_type \(other.map { "\"\($0)\"" } ?? "missing") is not dpr or bart")
            }
        }
    }

    // MARK: - Handle types

    static func encoderBox(_ value: Value) throws -> EncoderBox {
        guard case .handle(let o) = value, let box = o as? EncoderBox else { throw RuntimeError("not a DPREncoder") }
        return box
    }

    static func bartBox(_ value: Value) throws -> BartBox {
        guard case .handle(let o) = value, let box = o as? BartBox else { throw RuntimeError("not a Bart model") }
        return box
    }

    static func describe(_ box: EncoderBox) -> String {
        let c = box.encoder.config
        return "DPREncoder(\(box.encoder.kind), hidden \(c.hiddenSize), layers \(c.numHiddenLayers), heads \(c.numAttentionHeads), "
            + "vocab \(c.vocabSize), output \(box.encoder.outputDim), \(box.encoder.parameterCount) parameters, "
            + "\(box.tokenizer == nil ? "no tokenizer" : "tokenizer"), \(box.encoder.isTraining ? "train" : "eval"))"
    }

    static func describe(_ box: BartBox) -> String {
        let c = box.model.config
        return "Bart(d_model \(c.dModel), layers \(c.encoderLayers)+\(c.decoderLayers), vocab \(c.vocabSize), "
            + "\(box.model.parameterCount) parameters, \(box.tokenizer == nil ? "no tokenizer" : "tokenizer"), "
            + "\(box.model.isTraining ? "train" : "eval"))"
    }

    private static var encoderType: HandleType {
        var type = HandleType(EncoderBox.self, name: "DPREncoder", doc: "a DPR question or context encoder (BERT, pooled [CLS])",
                              describe: { describe($0 as! EncoderBox) })  // swiftlint:disable:this force_cast
        type.methods = [
            Builtin("encode", [Param("texts"), Param("batch", default: .int(16)), Param("max_length", default: .null), ModelSupport.precisionParam],
                    "encode(texts, batch: 16, max_length: nil, precision: nil) -> Tensor [N, d]: pooled vectors of a String or List of Strings (no gradient; uses the current train/eval mode; precision \"bf16\" or \"float32\", nil = the session's)") { args in
                let box = try args.receiver(as: EncoderBox.self)
                let tok = try box.requireTokenizer(args.function)
                let texts = try ModelSupport.strings(args, "texts")
                let batch = try args.int("batch"), maxLength = try args.optionalInt("max_length")
                let precision = try ModelSupport.precisionArg(args)
                return .handle(try ModelSupport.run(in: precision) {
                    try KBBuiltins.wrap(args.function) {
                        try box.encoder.encode(texts, tokenizer: tok, batchSize: batch, maxLength: maxLength)
                    }
                })
            },
            Builtin("save", [Param("path")], "save(path): config.json + model.safetensors (+ the tokenizer's files) that transformers loads, atomically (a failed save leaves the folder as it was)") { args in
                let box = try args.receiver(as: EncoderBox.self)
                let folder = URL(fileURLWithPath: try args.string("path"))
                try KBBuiltins.wrap(args.function) { try box.encoder.save(to: folder, tokenizer: box.tokenizer) }
                return .null
            }.writingOnRankZero(),
        ] + ModelSupport.moduleMethods { try $0.receiver(as: EncoderBox.self).encoder }
        type.properties = [
            Property("kind", "\"question\" or \"context\"") { .string(try encoderBox($0).encoder.kind.rawValue) },
            Property("dimension", "width of the pooled vectors") { .int(try encoderBox($0).encoder.outputDim) },
            Property("tokenizer", "the attached Tokenizer or nil") { v in try encoderBox(v).tokenizer.map { .handle($0) } ?? .null },
        ] + ModelSupport.moduleProperties { try encoderBox($0).encoder }
        return type
    }

    private static var bartType: HandleType {
        var type = HandleType(BartBox.self, name: "Bart", doc: "a BART encoder-decoder with an LM head (BartForConditionalGeneration)",
                              describe: { describe($0 as! BartBox) })  // swiftlint:disable:this force_cast
        type.methods = [
            Builtin("generate", [Param("texts"), Param("beams", default: .int(4)), Param("max_length", default: .int(25)),
                                 Param("min_length", default: .null), Param("ids", default: .bool(false))],
                    "generate(texts, beams: 4, max_length: 25, min_length: nil, ids: false) -> List of Strings: beam search (greedy with beams: 1), decoded without special tokens; with ids: true the generated token ids (Lists of Ints, starting with the decoder start token) instead") { args in
                let box = try args.receiver(as: BartBox.self)
                let tok = try box.requireTokenizer(args.function)
                let texts = try ModelSupport.strings(args, "texts")
                var g = box.model.config.generation
                g.numBeams = try args.int("beams")
                g.maxLength = try args.int("max_length")
                if let m = try args.optionalInt("min_length") { g.minLength = m }
                return try KBBuiltins.wrap(args.function) {
                    let limit = min(tok.modelMaxLength ?? box.model.config.maxPositionEmbeddings, box.model.config.maxPositionEmbeddings)
                    let (ids, mask) = try ModelSupport.batch(tok, texts, limit: limit)
                    let rows = try box.model.generate(inputIds: ids, attentionMask: mask, config: g)
                    if try args.bool("ids") { return ModelSupport.idRows(rows) }
                    return .list(try tok.decodeBatch(rows, skipSpecialTokens: true).map { .string($0) })
                }
            },
            Builtin("save", [Param("path")], "save(path): config.json, generation_config.json, model.safetensors (+ the tokenizer's files), atomically") { args in
                let box = try args.receiver(as: BartBox.self)
                let folder = URL(fileURLWithPath: try args.string("path"))
                try KBBuiltins.wrap(args.function) { try box.model.save(to: folder, tokenizer: box.tokenizer) }
                return .null
            }.writingOnRankZero(),
        ] + ModelSupport.moduleMethods { try $0.receiver(as: BartBox.self).model }
        type.properties = [
            Property("tokenizer", "the attached Tokenizer or nil") { v in try bartBox(v).tokenizer.map { .handle($0) } ?? .null },
        ] + ModelSupport.moduleProperties { try bartBox($0).model }
        return type
    }
}
