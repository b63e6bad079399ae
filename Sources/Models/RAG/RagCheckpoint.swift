import Foundation
import NN
import Support
import Tensor
import Tokenizers

/// The research project's RAG checkpoint (transformers RAG `save_pretrained` / `from_pretrained`; rag-end2end-retriever `callbacks_rag.py` checkpoints; docs/rag-parity.md §7): one folder with
/// `config.json` (composite RAG config), `generation_config.json`, `model.safetensors` (`rag.question_encoder.*`
/// and `rag.generator.*`; the tied BART embedding only as `rag.generator.model.shared.weight`; every
/// `rag.ctx_encoder.*` key removed) and the tokenizers in `question_encoder_tokenizer/` and
/// `generator_tokenizer/`. The context encoder is saved in its own folder (`saveContextEncoder`).
extension RagForGeneration {
    /// Writes the checkpoint folder atomically (complete new folder renamed into place). `saveStep` is the
    /// `save_step` key the research project adds.
    public func save(to folder: URL, saveStep: Int? = nil) throws {
        let owned: Set<String> = ["config.json", "generation_config.json", "model.safetensors", "question_encoder_tokenizer", "generator_tokenizer"]
        do {
            try AtomicFolder.update(folder, owns: owned) { temp in
                try writeConfigJSON(config.json(architecture: variant.architecture, saveStep: saveStep), to: temp.appendingPathComponent("config.json"))
                try writeConfigJSON(generator.config.generationJSON(), to: temp.appendingPathComponent("generation_config.json"))
                var tensors: [String: Tensor] = [:]
                for entry in namedTensors(buffers: true) where entry.name.split(separator: ".").dropFirst().first != "ctx_encoder" {
                    tensors[entry.name] = entry.tensor
                }
                try SafeTensors.write(tensors, to: temp.appendingPathComponent("model.safetensors"), metadata: ["format": "pt"])
                try questionTokenizer.writeFiles(into: try subfolder(temp, "question_encoder_tokenizer"))
                try generatorTokenizer.writeFiles(into: try subfolder(temp, "generator_tokenizer"))
            }
        } catch let failure as AtomicFolder.Failure {
            throw ModelError.checkpoint("cannot save the RAG checkpoint: \(failure.description)")
        } catch let error as ModelError {
            throw error
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw ModelError.checkpoint("cannot save the RAG checkpoint to \(folder.path): \(AtomicFolder.describe(error))")
        }
    }

    private func subfolder(_ parent: URL, _ name: String) throws -> URL {
        let url = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The context encoder's own folder (`config.json`, `model.safetensors` and, if set, its tokenizer),
    /// as the research project's `dpr_ctx_checkpoint/checkpointN/`.
    public func saveContextEncoder(to folder: URL) throws {
        guard let contextEncoder else { throw RAGError.config("no context encoder is set for training; nothing to save") }
        try contextEncoder.save(to: folder, tokenizer: contextTokenizer)
    }

    /// Loads a RAG checkpoint folder (also one written by transformers). Keys may carry the `rag.` prefix or
    /// not (a bare `RagModel`); `rag.ctx_encoder.*` keys are ignored as transformers ignores them (attach the
    /// context encoder with `setContextEncoderForTraining`). Tokenizers come from the sub-folders unless given.
    public static func load(from folder: URL, retriever: (any Retriever)?, questionTokenizer: Tokenizer? = nil,
                            generatorTokenizer: Tokenizer? = nil) throws -> Self {
        let configURL = folder.appendingPathComponent("config.json")
        let config = try RagConfig(json: try ConfigReader.load(configURL), source: configURL.path)
        let q = try DPREncoder(kind: .question, config: config.questionEncoder, seed: 0, randomInit: false)
        let g = try BartModel(config: config.generator, seed: 0, randomInit: false)
        var qTensors: [String: Tensor] = [:], gTensors: [String: Tensor] = [:], unknown: [String] = []
        for (key, t) in try HFFolder.readWeights(folder) {
            let name = key.hasPrefix("rag.") ? String(key.dropFirst(4)) : key
            if name.hasPrefix("question_encoder.") {
                qTensors[String(name.dropFirst("question_encoder.".count))] = t
            } else if name.hasPrefix("generator.") {
                gTensors[String(name.dropFirst("generator.".count))] = t
            } else if !name.hasPrefix("ctx_encoder.") {
                unknown.append(key)
            }
        }
        guard unknown.isEmpty else {
            throw ModelError.checkpoint("\(folder.path): keys outside question_encoder/generator: \(unknown.sorted().prefix(5).joined(separator: ", "))")
        }
        try q.loadStateDict(HFFolder.withPrefix(HFFolder.clean(qTensors, ignoredSuffixes: ["position_ids"], ignoredInfixes: ["pooler."]),
                                                "question_encoder."), source: folder.path + " (question encoder)")
        gTensors = HFFolder.clean(gTensors, ignoredSuffixes: ["encoder.version", "decoder.version"], ignoredInfixes: [])
        let aliases = ["model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"]
        if let embedding = aliases.lazy.compactMap({ gTensors[$0] }).first {
            for a in aliases { gTensors[a] = nil }
            gTensors["model.shared.weight"] = embedding
        }
        if gTensors["final_logits_bias"] == nil { gTensors["final_logits_bias"] = try Tensor.zeros([1, config.generator.vocabSize]) }
        try g.loadStateDict(gTensors, source: folder.path + " (generator)")
        let qt = try questionTokenizer ?? Tokenizer.load(from: folder.appendingPathComponent("question_encoder_tokenizer"))
        let gt = try generatorTokenizer ?? Tokenizer.load(from: folder.appendingPathComponent("generator_tokenizer"))
        let model = try Self(config: config, questionEncoder: q, generator: g, retriever: retriever,
                             questionTokenizer: qt, generatorTokenizer: gt)
        model.eval()
        return model
    }
}

extension RagForGeneration {
    /// `from_pretrained_question_encoder_generator` (transformers RAG `save_pretrained` / `from_pretrained`): a DPR question encoder folder and a
    /// BART folder composed into a RAG model whose config is the defaults of transformers `configuration_rag.py` with `configure` applied
    /// (e.g. `{ $0.labelSmoothing = 0.1 }`). Tokenizers are read from the same folders unless given.
    public static func compose(questionEncoder qFolder: URL, generator gFolder: URL, retriever: (any Retriever)?,
                               questionTokenizer: Tokenizer? = nil, generatorTokenizer: Tokenizer? = nil,
                               configure: (inout RagConfig) -> Void = { _ in }) throws -> Self {
        let q = try DPREncoder.load(from: qFolder, kind: .question)
        let g = try BartModel.load(from: gFolder)
        var config = RagConfig(questionEncoder: q.config, generator: g.config)
        configure(&config)
        return try Self(config: config, questionEncoder: q, generator: g, retriever: retriever,
                        questionTokenizer: try questionTokenizer ?? Tokenizer.load(from: qFolder),
                        generatorTokenizer: try generatorTokenizer ?? Tokenizer.load(from: gFolder))
    }
}
