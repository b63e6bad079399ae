import Models
import NN
import Tensor

/// rag-end2end-retriever `finetune_rag.py` model set-up on a ready model: generator dropout overrides and the label smoothing written
/// into the RAG config (saved with every checkpoint).
public enum RagModelSetup {
    /// Applies `options`' dropout settings to `model`'s generator in place (`BartModel.setRegularization`: the same
    /// modules, weights and object) and writes the label smoothing into its RAG config.
    public static func apply(_ options: RagFineTuneOptions, to model: RagForGeneration) throws {
        try model.generator.setRegularization(dropout: options.dropout, attentionDropout: options.attentionDropout,
                                              encoderLayerdrop: options.encoderLayerdrop, decoderLayerdrop: options.decoderLayerdrop)
        model.config.labelSmoothing = options.labelSmoothing
    }
}
