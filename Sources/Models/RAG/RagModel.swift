import Foundation
import NN
import Tensor
import Tokenizers

/// What retrieval produced for a batch of `B` questions (transformers `retrieval_rag.py` (`RagRetriever`) outputs); rows `i·n + j`.
public struct RagContext {
    public let documents: RetrievedDocuments
    /// `question_encoder_tokenizer.batch_decode(input_ids, skip_special_tokens=True)` (transformers `retrieval_rag.py` (`RagRetriever`)).
    public let questionStrings: [String]
    /// `[B·n]` generator input strings (transformers `retrieval_rag.py` (`RagRetriever`)).
    public let generatorStrings: [String]
    /// `[B·n, max_combined_length]`, right-padded with `<pad>` (transformers `retrieval_rag.py` (`RagRetriever`)).
    public let contextInputIds: IntTensor
    public let contextAttentionMask: IntTensor
    /// End-to-end only: `(title, text)` pairs through the ctx tokenizer, padded to the longest row (transformers `retrieval_rag.py` (`RagRetriever`)).
    public let tokenizedDocIds: IntTensor?
    public let tokenizedDocAttentionMask: IntTensor?
}

extension RagContext {
    /// `contextInputIds` / `contextAttentionMask` without the columns that are padding in every row. The
    /// generator's encoder states are read only through the masked cross-attention, so logits and loss
    /// are those of the full `max_combined_length` width (TrailingPadding), at a fraction of the work.
    func generatorInputsWithoutPaddingTail() throws -> (ids: IntTensor, mask: IntTensor) {
        let t = try TrailingPadding.trimmed([contextInputIds, contextAttentionMask], mask: contextAttentionMask)
        return (t[0], t[1])
    }
}

/// Forward outputs (transformers RAG forward outputs).
public struct RagOutput {
    /// `[B]` per example, or a scalar when reduced; nil without labels.
    public let loss: Tensor?
    /// Raw generator logits `[B·n, T, V]`, or for RAG-token with `do_marginalize` the marginal `[B, T, V]`.
    public let logits: Tensor
    /// `[B, n]` inner products of the question vectors with the document vectors (transformers `RagModel.forward`).
    public let docScores: Tensor
    /// `[B, d]` pooled question vectors.
    public let questionPooled: Tensor
    public let context: RagContext
}

/// The shared body of `RagTokenForGeneration` and `RagSequenceForGeneration` (transformers `RagModel` components):
/// question encoder + retriever + generator, and optionally a context encoder trained end to end.
///
/// State-dict names (registration order): `rag.question_encoder.question_encoder.bert_model.*`,
/// `rag.generator.*` (BART names), and after `setContextEncoderForTraining`
/// `rag.ctx_encoder.ctx_encoder.bert_model.*`.
open class RagForGeneration: Module {
    /// RAG settings (transformers `configuration_rag.py`). The sub-configs always mirror the modules' own configs (kept on assignment).
    public var config: RagConfig {
        didSet {
            config.questionEncoder = questionEncoder.config
            config.generator = generator.config
        }
    }
    public let questionEncoder: DPREncoder
    public let generator: BartModel
    public var retriever: (any Retriever)?
    public let questionTokenizer: Tokenizer
    public let generatorTokenizer: Tokenizer
    /// Set by `setContextEncoderForTraining`; its parameters are then part of the model's.
    public private(set) var contextEncoder: DPREncoder?
    /// Set by `setContextEncoderTokenizer` (the reference's `retriever.set_ctx_encoder_tokenizer`).
    public private(set) var contextTokenizer: Tokenizer?
    /// What to do when the index returns fewer than `n_docs` documents (id −1); see `MissingDocumentPolicy`.
    public var missingDocuments = MissingDocumentPolicy.error

    /// Composes a RAG model (`from_pretrained_question_encoder_generator` with ready modules). The RAG
    /// config's sub-configs are replaced by the modules' own.
    public required init(config: RagConfig, questionEncoder: DPREncoder, generator: BartModel, retriever: (any Retriever)?,
                questionTokenizer: Tokenizer, generatorTokenizer: Tokenizer) throws {
        guard type(of: self) != RagForGeneration.self else {
            throw RAGError.config("RagForGeneration is abstract: use RagTokenForGeneration or RagSequenceForGeneration")
        }
        guard questionEncoder.kind == .question else {
            throw RAGError.config("the question encoder must be a DPR question encoder, got a \(questionEncoder.kind) encoder")
        }
        var c = config
        c.questionEncoder = questionEncoder.config
        c.generator = generator.config
        try c.validate()
        self.config = c
        self.questionEncoder = questionEncoder
        self.generator = generator
        self.retriever = retriever
        self.questionTokenizer = questionTokenizer
        self.generatorTokenizer = generatorTokenizer
        super.init()
        eval()
    }

    override open var entries: [ModuleEntry] {
        var inner: [ModuleEntry] = [.child("question_encoder", questionEncoder), .child("generator", generator)]
        if let contextEncoder { inner.append(.child("ctx_encoder", contextEncoder)) }
        return [.child("rag", Namespace(inner))]
    }

    /// The seed's `set_context_encoder_for_training(ctx_encoder)`: from now on the retrieved passages are
    /// re-encoded by `encoder` inside the forward pass (doc scores from it, gradients into it).
    public func setContextEncoderForTraining(_ encoder: DPREncoder) throws {
        guard encoder.kind == .context else {
            throw RAGError.config("set_context_encoder_for_training needs a DPR context encoder, got a \(encoder.kind) encoder")
        }
        guard encoder.outputDim == questionEncoder.outputDim else {
            throw RAGError.config("context encoder output width \(encoder.outputDim) differs from the question encoder's \(questionEncoder.outputDim)")
        }
        if isTraining { encoder.train() } else { encoder.eval() }
        contextEncoder = encoder
    }

    /// The seed's `set_ctx_encoder_tokenizer(tokenizer)`: the tokenizer of the retrieved `(title, text)` pairs.
    public func setContextEncoderTokenizer(_ tokenizer: Tokenizer) {
        contextTokenizer = tokenizer
    }

    /// True when the forward re-encodes retrieved passages (context encoder and its tokenizer both set).
    public var isEndToEnd: Bool { contextEncoder != nil && contextTokenizer != nil }

    // MARK: - Steps of the forward pass

    static func checkIds(_ ids: IntTensor, _ what: String) throws {
        guard ids.shape.count == 2, ids.shape[0] > 0, ids.shape[1] > 0 else {
            throw RAGError.input("\(what) must be [batch, length] with both > 0, got \(ids.shape)")
        }
    }

    /// Pooled question vectors `[B, d]` (transformers `RagModel.forward`); mask defaults to `ids != [PAD]`.
    public func encodeQuestions(inputIds: IntTensor, attentionMask: IntTensor? = nil) throws -> Tensor {
        try Self.checkIds(inputIds, "question input_ids")
        return try questionEncoder.pooled(inputIds: inputIds, attentionMask: attentionMask)
    }

    /// Retrieval and tokenization for `inputIds [B, Lq]` and the pooled vectors `[B, d]` (transformers `retrieval_rag.py` (`RagRetriever`); no gradient).
    /// `tokenizeForContextEncoder` adds the end-to-end tokenization (step 7).
    public func retrieve(inputIds: IntTensor, questionPooled: Tensor, nDocs: Int? = nil,
                         tokenizeForContextEncoder: Bool? = nil) throws -> RagContext {
        guard let retriever else { throw RAGError.retrieval("the model has no retriever: pass one (e.g. a knowledge base) first") }
        let n = nDocs ?? config.nDocs
        guard n >= 1, n <= RagConfig.maxDocs else { throw RAGError.input("n_docs must be from 1 to \(RagConfig.maxDocs), got \(n)") }
        let b = inputIds.shape[0], d = questionPooled.shape.last ?? 0
        guard questionPooled.shape == [b, d] else {
            throw RAGError.input("question vectors \(questionPooled.shape) do not match \(b) questions")
        }
        let docs = try retriever.retrieve(questionEmbeddings: questionPooled.detached().scalars, questionCount: b, nDocs: n)
        guard docs.questionCount == b, docs.nDocs == n, docs.dimension == d else {
            throw RAGError.retrieval("retriever answered \(docs.questionCount) questions × \(docs.nDocs) docs of dimension \(docs.dimension); asked \(b) × \(n) with question vectors of dimension \(d)")
        }
        if missingDocuments == .error, let row = docs.docIds.firstIndex(where: { $0 < 0 }) {
            let found = docs.docIds[(row / n * n)..<(row / n * n + n)].filter { $0 >= 0 }.count
            throw RAGError.retrieval("the index returned only \(found) of n_docs = \(n) documents for question \(row / n) (the knowledge base may hold fewer than n_docs passages); lower n_docs or set missingDocuments = .reference to reproduce transformers (last passage, zero vector)")
        }
        let rows = (0..<b).map { Array(inputIds.scalars[($0 * inputIds.shape[1])..<(($0 + 1) * inputIds.shape[1])]) }
        let questions = try questionTokenizer.decodeBatch(rows, skipSpecialTokens: true)
        let strings = try GeneratorInput.strings(titles: docs.titles, texts: docs.texts, questions: questions, nDocs: n,
                                                 prefix: config.prefix ?? "", titleSeparator: config.titleSeparator,
                                                 docSeparator: config.docSeparator)
        let l = config.maxCombinedLength
        let enc = try generatorTokenizer.encodeBatch(strings, maxLength: l, padding: .fixed(l))
        let ids = try IntTensor(shape: [b * n, l], scalars: enc.ids.flatMap { $0 })
        let mask = try IntTensor(shape: [b * n, l], scalars: enc.attentionMask.flatMap { $0 })
        var docIds: IntTensor?, docMask: IntTensor?
        if tokenizeForContextEncoder ?? isEndToEnd {
            guard let tok = contextTokenizer else {
                throw RAGError.config("end-to-end retrieval needs the context encoder's tokenizer: call setContextEncoderTokenizer")
            }
            let t = try tok.encodeBatch(docs.titles, pairs: docs.texts, maxLength: tok.modelMaxLength ?? 512, padding: .longest)
            let w = t.ids.first?.count ?? 0
            docIds = try IntTensor(shape: [b * n, w], scalars: t.ids.flatMap { $0 })
            docMask = try IntTensor(shape: [b * n, w], scalars: t.attentionMask.flatMap { $0 })
        }
        return RagContext(documents: docs, questionStrings: questions, generatorStrings: strings, contextInputIds: ids,
                          contextAttentionMask: mask, tokenizedDocIds: docIds, tokenizedDocAttentionMask: docMask)
    }

    /// Doc scores `[B, n]` = bmm(q, Eᵀ) (transformers `RagModel.forward`): E re-encoded by the context encoder in end-to-end
    /// mode (unless `useIndexVectors`, as RAG-token generation does), else the stored vectors (constants).
    public func docScores(questionPooled q: Tensor, context: RagContext, useIndexVectors: Bool = false) throws -> Tensor {
        let docs = context.documents
        let b = docs.questionCount, n = docs.nDocs, d = docs.dimension
        let e: Tensor
        if !useIndexVectors, isEndToEnd, let ctx = contextEncoder {
            guard let ids = context.tokenizedDocIds, let mask = context.tokenizedDocAttentionMask else {
                throw RAGError.input("end-to-end doc scores need the tokenized documents of the retrieval step")
            }
            e = try ctx.pooled(inputIds: ids, attentionMask: mask).reshaped([b, n, d])
        } else {
            e = try Tensor(shape: [b, n, d], scalars: docs.docEmbeddings)
        }
        return try q.unsqueezed(dim: 1).matmul(e, transposeB: true).reshaped([b, n])
    }

    /// Generator logits `[B·n, T, V]`: each decoder row repeated `n` times consecutively (transformers `RagModel.forward`).
    public func generatorLogits(context: RagContext, decoderInputIds: IntTensor) throws -> Tensor {
        let n = context.documents.nDocs
        try Self.checkIds(decoderInputIds, "decoder_input_ids")
        guard decoderInputIds.shape[0] * n == context.contextInputIds.shape[0] else {
            throw RAGError.input("\(decoderInputIds.shape[0]) decoder rows do not match \(context.contextInputIds.shape[0]) generator rows with n_docs \(n)")
        }
        let dec = try repeatRows(decoderInputIds, n)
        let (ids, mask) = try context.generatorInputsWithoutPaddingTail()
        return try generator(inputIds: ids, attentionMask: mask, decoderInputIds: dec).logits
    }

    /// Full forward (transformers `RagModel.forward`; transformers RAG `get_nll` target handling): labels are the decoder inputs unless `decoderInputIds` is
    /// given (not shifted right); the loss is the variant's `nll` with `reduceLoss` / `labelSmoothing` /
    /// `excludeBosScore` from the arguments or the config.
    public func callAsFunction(inputIds: IntTensor, attentionMask: IntTensor? = nil, labels: IntTensor? = nil,
                               decoderInputIds: IntTensor? = nil, nDocs: Int? = nil, reduceLoss: Bool? = nil,
                               labelSmoothing: Double? = nil, excludeBosScore: Bool? = nil) throws -> RagOutput {
        guard let dec = decoderInputIds ?? labels else {
            throw RAGError.input("the RAG forward needs labels or decoder_input_ids")
        }
        guard dec.shape.count == 2, dec.shape[0] == inputIds.shape[0] else {
            throw RAGError.input("decoder inputs \(dec.shape) must be [\(inputIds.shape.first ?? 0), T]")
        }
        let q = try encodeQuestions(inputIds: inputIds, attentionMask: attentionMask)
        let context = try retrieve(inputIds: inputIds, questionPooled: q, nDocs: nDocs)
        let scores = try docScores(questionPooled: q, context: context)
        let logits = try generatorLogits(context: context, decoderInputIds: dec)
        var loss: Tensor?
        if let labels {
            guard labels.shape == dec.shape else { throw RAGError.input("labels \(labels.shape) must match decoder inputs \(dec.shape)") }
            loss = try nll(logits: logits, docScores: scores, labels: labels, reduceLoss: reduceLoss ?? config.reduceLoss,
                           labelSmoothing: labelSmoothing ?? config.labelSmoothing,
                           excludeBosScore: excludeBosScore ?? config.excludeBosScore)
        }
        return RagOutput(loss: loss, logits: try outputLogits(logits, docScores: scores), docScores: scores,
                         questionPooled: q, context: context)
    }

    /// Which head this is (each subclass overrides; the base class cannot be instantiated).
    open var variant: RagVariant { .token }

    /// Generated id rows for `inputIds` (each subclass overrides: RAG-token decodes over doc-marginalised
    /// scores, RAG-sequence by thorough decoding, deduplicating candidates unless `deduplicate` is false).
    open func generate(inputIds: IntTensor, attentionMask: IntTensor? = nil, config generation: GenerationConfig? = nil,
                       nDocs: Int? = nil, deduplicate: Bool? = nil) throws -> [[Int]] {
        throw RAGError.config("RagForGeneration is abstract: use RagTokenForGeneration or RagSequenceForGeneration")
    }

    /// The variant's loss (`get_nll`). Subclasses override.
    open func nll(logits: Tensor, docScores: Tensor, labels: IntTensor, reduceLoss: Bool, labelSmoothing: Double,
                  excludeBosScore: Bool) throws -> Tensor {
        throw RAGError.config("RagForGeneration is abstract: use RagTokenForGeneration or RagSequenceForGeneration")
    }

    /// The `logits` field of the output (transformers RAG forward outputs). Subclasses override.
    open func outputLogits(_ logits: Tensor, docScores: Tensor) throws -> Tensor { logits }
}

/// Rows `[r0, r0, …, r1, r1, …]`: each row repeated `n` times consecutively (`repeat_interleave`).
func repeatRows(_ t: IntTensor, _ n: Int) throws -> IntTensor {
    let w = t.shape[1]
    var out: [Int] = []
    out.reserveCapacity(t.scalars.count * n)
    for r in 0..<t.shape[0] {
        let row = t.scalars[(r * w)..<((r + 1) * w)]
        for _ in 0..<n { out.append(contentsOf: row) }
    }
    return try IntTensor(shape: [t.shape[0] * n, w], scalars: out)
}
