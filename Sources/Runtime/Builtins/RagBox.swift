import KB
import Models
import Tokenizers

/// A RAG model as a script value (`rag.token`, `rag.sequence`, `rag.load`); the `RAG` handle type and its
/// methods are in RagBuiltins.swift.
///
/// Everything a binding needs is reachable from here, all shared (never copies):
/// - `model`: the Models `RagForGeneration` (`RagTokenForGeneration` or `RagSequenceForGeneration`); its
///   `retriever` is `kb`, its `questionTokenizer` / `generatorTokenizer` / `contextTokenizer` the tokenizers.
/// - `kb`: the knowledge base (passages, embeddings, `kb.index`): read from the model's retriever, never stored
///   beside it, so an end-to-end refresh that installs a new KB into the model is what the handle shows.
/// - `questionEncoder` / `generator`: the script handles of the model's modules (their tokenizers are the
///   model's); `contextEncoder`: the handle set by `r.set_context_encoder(ctx)` (`model.contextEncoder`
///   is its encoder), nil in the original RAG configuration.
///
/// From a handle value: `guard case .handle(let o) = value, let box = o as? RagBox` (or
/// `args.receiver(as: RagBox.self)` in a method, `RagBuiltins.box(value)` elsewhere).
final class RagBox {
    let model: RagForGeneration
    let questionEncoder: EncoderBox
    let generator: BartBox
    private(set) var contextEncoder: EncoderBox?

    /// `questionEncoder` / `generator` must wrap `model.questionEncoder` / `model.generator`.
    init(model: RagForGeneration, kb: KnowledgeBase, questionEncoder: EncoderBox, generator: BartBox) {
        precondition(questionEncoder.encoder === model.questionEncoder && generator.model === model.generator)
        self.model = model
        self.questionEncoder = questionEncoder
        self.generator = generator
        model.retriever = kb
    }

    /// The model's retriever, which a handle's model always has as a knowledge base (set here at creation, replaced
    /// only by KB refreshes, which install knowledge bases).
    var kb: KnowledgeBase {
        get throws {
            guard let kb = model.retriever as? KnowledgeBase else {
                throw RuntimeError("this RAG model's retriever is not a knowledge base")
            }
            return kb
        }
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
