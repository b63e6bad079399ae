import KB
import Models
import Tokenizers

/// A RAG model as a script value (`rag.token`, `rag.sequence`, `rag.load`); the `RAG` handle type and its
/// methods are in RagBuiltins.swift.
///
/// Everything a binding needs is reachable from here, all shared (never copies):
/// - `model`: the Models `RagForGeneration` (`RagTokenForGeneration` or `RagSequenceForGeneration`); its
///   `retriever` is `kb`, its `questionTokenizer` / `generatorTokenizer` / `contextTokenizer` the tokenizers.
/// - `kb`: the knowledge base (passages, embeddings, `kb.index`), also the model's retriever.
/// - `questionEncoder` / `generator`: the script handles of the model's modules (their tokenizers are the
///   model's); `contextEncoder`: the handle set by `r.set_context_encoder(ctx)` (`model.contextEncoder`
///   is its encoder), nil in the original RAG configuration.
///
/// From a handle value: `guard case .handle(let o) = value, let box = o as? RagBox` (or
/// `args.receiver(as: RagBox.self)` in a method, `RagBuiltins.box(value)` elsewhere).
final class RagBox {
    let model: RagForGeneration
    private(set) var kb: KnowledgeBase
    let questionEncoder: EncoderBox
    let generator: BartBox
    private(set) var contextEncoder: EncoderBox?

    /// `questionEncoder` / `generator` must wrap `model.questionEncoder` / `model.generator`.
    init(model: RagForGeneration, kb: KnowledgeBase, questionEncoder: EncoderBox, generator: BartBox) {
        precondition(questionEncoder.encoder === model.questionEncoder && generator.model === model.generator)
        self.model = model
        self.kb = kb
        self.questionEncoder = questionEncoder
        self.generator = generator
        model.retriever = kb
    }

    /// Installs a rebuilt KB (end-to-end refresh) as the handle's KB and the model's retriever.
    func setKnowledgeBase(_ kb: KnowledgeBase) {
        self.kb = kb
        model.retriever = kb
    }

    /// The seed's `set_context_encoder_for_training`; the handle keeps its own tokenizer.
    func setContextEncoder(_ box: EncoderBox) throws {
        try model.setContextEncoderForTraining(box.encoder)
        contextEncoder = box
    }

    /// The seed's `retriever.set_ctx_encoder_tokenizer`.
    func setContextEncoderTokenizer(_ tokenizer: Tokenizer) {
        model.setContextEncoderTokenizer(tokenizer)
    }
}
