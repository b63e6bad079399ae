import Models
import NN
import Tensor

/// rag-end2end-retriever `finetune_rag.py` model set-up on a ready model: generator dropout overrides and the label smoothing written
/// into the RAG config (saved with every checkpoint).
public enum RagModelSetup {
    /// Returns `model` with `options`' dropout settings and label smoothing. Dropout rates are fixed when a
    /// module is built, so when a rate changes the generator is rebuilt from its config with the overrides
    /// and the current weights copied in (as the seed overrides the config before `from_pretrained`); the
    /// question encoder, retriever, tokenizers and context encoder are carried over. Else `model` itself.
    public static func apply(_ options: RagFineTuneOptions, to model: RagForGeneration, seed: UInt64 = 0) throws -> RagForGeneration {
        var g = model.generator.config
        if let v = options.dropout { g.dropout = v }
        if let v = options.attentionDropout { g.attentionDropout = v }
        if let v = options.encoderLayerdrop { g.encoderLayerdrop = v }
        if let v = options.decoderLayerdrop { g.decoderLayerdrop = v }
        var out = model
        if g != model.generator.config {
            let generator = try BartModel(config: g, seed: seed)
            try generator.loadStateDict(Dictionary(uniqueKeysWithValues: model.generator.stateDict().map { ($0.name, $0.tensor.copied()) }),
                                        source: "generator with new dropout settings")
            out = try type(of: model).init(config: model.config, questionEncoder: model.questionEncoder, generator: generator, retriever: model.retriever,
                        questionTokenizer: model.questionTokenizer, generatorTokenizer: model.generatorTokenizer)
            out.missingDocuments = model.missingDocuments
            if let ctx = model.contextEncoder { try out.setContextEncoderForTraining(ctx) }
            if let tok = model.contextTokenizer { out.setContextEncoderTokenizer(tok) }
            if model.isTraining { out.train() } else { out.eval() }
        }
        out.config.labelSmoothing = options.labelSmoothing
        return out
    }
}
