import Foundation
import NN
import Support
import Tensor
import Tokenizers

/// Loading and saving Hugging Face model folders (`config.json` + `model.safetensors`), with the key
/// rules of transformers DPR state-dict keys; transformers BART state-dict keys; transformers tied weights: legacy `gamma`/`beta` renamed, `position_ids`,
/// `pooler.*` and fairseq `version` keys ignored, a missing base prefix accepted, BART's tied embedding
/// taken from the first present alias, a missing `final_logits_bias` read as zeros. Anything else that
/// does not match is reported by `Module.loadStateDict` (all problems at once).
enum HFFolder {
    static func configURL(_ folder: URL) -> URL { folder.appendingPathComponent("config.json") }
    static func weightsURL(_ folder: URL) -> URL { folder.appendingPathComponent("model.safetensors") }

    static func readWeights(_ folder: URL) throws -> [String: Tensor] {
        let url = weightsURL(folder)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let hasPickle = FileManager.default.fileExists(atPath: folder.appendingPathComponent("pytorch_model.bin").path)
            throw ModelError.checkpoint("\(folder.path) has no model.safetensors" +
                                        (hasPickle ? " (only pytorch_model.bin, a pickle Ragtime does not read; convert it with safetensors)" : ""))
        }
        return try SafeTensors.read(url)
    }

    /// Applies the generic ignore and rename rules; `ignoredSuffixes` are matched at the end of a key.
    static func clean(_ tensors: [String: Tensor], ignoredSuffixes: [String], ignoredInfixes: [String]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (key, t) in tensors {
            if ignoredSuffixes.contains(where: { key.hasSuffix($0) }) || ignoredInfixes.contains(where: { key.contains($0) }) { continue }
            var k = key
            if k.hasSuffix("LayerNorm.gamma") { k = String(k.dropLast(5)) + "weight" }
            if k.hasSuffix("LayerNorm.beta") { k = String(k.dropLast(4)) + "bias" }
            out[k] = t
        }
        return out
    }

    /// Adds `prefix` to keys that lack it when none of the keys carry it (a file saved from the inner model).
    static func withPrefix(_ tensors: [String: Tensor], _ prefix: String) -> [String: Tensor] {
        guard !tensors.keys.contains(where: { $0.hasPrefix(prefix) }) else { return tensors }
        return Dictionary(uniqueKeysWithValues: tensors.map { (prefix + $0.key, $0.value) })
    }

    /// The names a model save writes: replaced together; other files of the folder (a tokenizer's) are kept.
    static let modelFiles: Set<String> = ["config.json", "generation_config.json", "model.safetensors"]

    /// Saves the module's folder atomically (AtomicFolder): config, extra JSON files and weights, plus the
    /// tokenizer's files when given, all or nothing.
    static func save(_ module: Module, config: [String: Any], extraJSON: [String: [String: Any]] = [:], tokenizer: Tokenizer? = nil,
                     to folder: URL) throws {
        do {
            try AtomicFolder.update(folder, owns: modelFiles.union(tokenizer == nil ? [] : Tokenizer.fileNames)) { temp in
                try write(module, config: config, extraJSON: extraJSON, to: temp)
                try tokenizer?.writeFiles(into: temp)
            }
        } catch let failure as AtomicFolder.Failure {
            throw ModelError.checkpoint(failure.description)
        }
    }

    private static func write(_ module: Module, config: [String: Any], extraJSON: [String: [String: Any]], to folder: URL) throws {
        var config = config
        config["transformers_version"] = "5.24.0"
        try writeConfigJSON(config, to: configURL(folder))
        for (name, json) in extraJSON { try writeConfigJSON(json, to: folder.appendingPathComponent(name)) }
        try SafeTensors.write(Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.name, $0.tensor) }), to: weightsURL(folder))
    }
}

extension BertModel {
    /// A bare BERT encoder folder (`model_type: "bert"`, keys `embeddings.*`, `encoder.*`, optionally with
    /// a `bert.` prefix), e.g. all-MiniLM-L6-v2. The pooler is ignored.
    public static func load(from folder: URL) throws -> BertModel {
        let config = try BertConfig(json: ConfigReader.load(HFFolder.configURL(folder)), source: HFFolder.configURL(folder).path)
        let model = try BertModel(config: config, seed: 0, randomInit: false)
        var tensors = HFFolder.clean(try HFFolder.readWeights(folder), ignoredSuffixes: ["position_ids"], ignoredInfixes: ["pooler."])
        if tensors.keys.allSatisfy({ $0.hasPrefix("bert.") }) {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst(5)), $0.value) })
        }
        try model.loadStateDict(tensors, source: folder.path)
        return model
    }
}

extension DPREncoder {
    /// Loads a DPR folder. The kind comes from `architectures` (or the key prefix) unless given.
    public static func load(from folder: URL, kind: Kind? = nil) throws -> DPREncoder {
        let json = try ConfigReader.load(HFFolder.configURL(folder))
        let config = try BertConfig(json: json, source: HFFolder.configURL(folder).path)
        let raw = try HFFolder.readWeights(folder)
        let architectures = (json["architectures"] as? [String]) ?? []
        let resolved: Kind
        if let kind {
            resolved = kind
        } else if architectures.contains("DPRQuestionEncoder") || raw.keys.contains(where: { $0.hasPrefix("question_encoder.") }) {
            resolved = .question
        } else if architectures.contains("DPRContextEncoder") || raw.keys.contains(where: { $0.hasPrefix("ctx_encoder.") }) {
            resolved = .context
        } else {
            throw ModelError.checkpoint("\(folder.path): cannot tell a question from a context encoder; pass kind:")
        }
        let model = try DPREncoder(kind: resolved, config: config, seed: 0, randomInit: false)
        let tensors = HFFolder.withPrefix(HFFolder.clean(raw, ignoredSuffixes: ["position_ids"], ignoredInfixes: ["pooler."]),
                                          resolved.prefix + ".")
        try model.loadStateDict(tensors, source: folder.path)
        return model
    }

    /// A bare BERT folder (see `BertModel.load`, e.g. all-MiniLM-L6-v2) as a DPR encoder of `kind`: the same
    /// weights under `{question_encoder|ctx_encoder}.bert_model.*`, no projection, pooled by `pooling`.
    /// `save` then writes a DPR folder that transformers loads as `DPRQuestionEncoder` / `DPRContextEncoder`.
    public static func fromBert(folder: URL, kind: Kind, pooling: BertConfig.Pooling = .cls) throws -> DPREncoder {
        let bert = try BertModel.load(from: folder)
        var config = bert.config
        config.pooling = pooling
        let model = try DPREncoder(kind: kind, config: config, seed: 0, randomInit: false)
        try model.bert.loadStateDict(Dictionary(uniqueKeysWithValues: bert.stateDict().map { ($0.name, $0.tensor) }), source: folder.path)
        return model
    }

    /// Writes `config.json` and `model.safetensors` that `transformers` loads as this DPR class (and the
    /// tokenizer's files when given), atomically: a failed save leaves the folder as it was.
    public func save(to folder: URL, tokenizer: Tokenizer? = nil) throws {
        try HFFolder.save(self, config: config.json(modelType: "dpr", architecture: kind.architecture), tokenizer: tokenizer, to: folder)
    }
}

extension BartModel {
    /// Loads a `BartForConditionalGeneration` folder (generation defaults from generation_config.json if present).
    public static func load(from folder: URL) throws -> BartModel {
        let genURL = folder.appendingPathComponent("generation_config.json")
        let gen = FileManager.default.fileExists(atPath: genURL.path) ? try ConfigReader.load(genURL) : nil
        let config = try BartConfig(json: ConfigReader.load(HFFolder.configURL(folder)), generationJSON: gen,
                                    source: HFFolder.configURL(folder).path)
        let model = try BartModel(config: config, seed: 0, randomInit: false)
        var tensors = HFFolder.clean(try HFFolder.readWeights(folder), ignoredSuffixes: ["encoder.version", "decoder.version"],
                                     ignoredInfixes: [])
        if !tensors.keys.contains(where: { $0.hasPrefix("model.") }) {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { ($0.key == "final_logits_bias" || $0.key.hasPrefix("lm_head.") ? $0.key : "model." + $0.key, $0.value) })
        }
        // Tied embedding: the first present alias is the matrix; all aliases are dropped after that.
        let aliases = ["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"]
        if let embedding = aliases.lazy.compactMap({ tensors[$0] }).first {
            for a in aliases { tensors[a] = nil }
            tensors["model.shared.weight"] = embedding
        }
        if tensors["final_logits_bias"] == nil { tensors["final_logits_bias"] = try Tensor.zeros([1, config.vocabSize]) }
        try model.loadStateDict(tensors, source: folder.path)
        return model
    }

    /// Writes `config.json`, `generation_config.json` and `model.safetensors` (only `model.shared.weight`
    /// for the tied embedding, like transformers) and the tokenizer's files when given, atomically.
    public func save(to folder: URL, tokenizer: Tokenizer? = nil) throws {
        try HFFolder.save(self, config: config.json(), extraJSON: ["generation_config.json": config.generationJSON()],
                          tokenizer: tokenizer, to: folder)
    }
}
