import Foundation
import KB
import Models
import Tensor
import Tokenizers

/// The `rag` namespace and the `RAG` handle (docs/rag.md). The handle's object is a `RagBox`
/// (RagBox.swift); to add a method, append a `Builtin` to `methods` (reading `args.receiver(as: RagBox.self)`).
///
///     r = rag.token(question_encoder: q, generator: g, kb: k, n_docs: 5)   # or rag.sequence(...)
///     r.set_context_encoder(ctx); r.set_context_encoder_tokenizer(ctx.tokenizer)
///     loss = r.loss(["who?"], ["answer"]); loss.backward()
///     r.retrieve(["who?"]); r.generate(["who?"], beams: 4, max_length: 25); r.save("out"); rag.load("out", kb: k)
enum RagBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("rag", doc: "retrieval-augmented generation models (RAG-token, RAG-sequence)", functions: [
            compose(.token), compose(.sequence),
            Builtin("load", [Param("path"), Param("kb")],
                    "load(path, kb: k) -> RAG: a RAG checkpoint folder (config.json architectures picks token or sequence; tokenizers from question_encoder_tokenizer/ and generator_tokenizer/)") { args in
                let folder = URL(fileURLWithPath: try args.string("path"))
                let kb = try knowledgeBase(args)
                return try KBBuiltins.wrap(args.function) {
                    let model = try RagVariant.of(checkpoint: folder).modelClass.load(from: folder, retriever: kb)
                    try checkDimensions(model.questionEncoder, kb)
                    let q = try EncoderBox(model.questionEncoder, tokenizer: model.questionTokenizer)
                    let g = try BartBox(model.generator, tokenizer: model.generatorTokenizer)
                    return .handle(RagBox(model: model, kb: kb, questionEncoder: q, generator: g))
                }
            },
        ])], handleTypes: [handleType])
    }

    static func box(_ value: Value) throws -> RagBox {
        guard case .handle(let o) = value, let box = o as? RagBox else { throw RuntimeError("not a RAG model") }
        return box
    }

    private static func knowledgeBase(_ args: CallArgs) throws -> KnowledgeBase {
        let kb = try args.handle("kb", as: KnowledgeBase.self, typeName: "KB")
        guard kb.index != nil else {
            throw RuntimeError("\(args.function): the KB has no index: encode it (k.encode(ctx_encoder)) and build one (index.flat(k) or index.hnsw(k))")
        }
        return kb
    }

    private static func checkDimensions(_ q: DPREncoder, _ kb: KnowledgeBase) throws {
        guard kb.dimension == q.outputDim else {
            throw RAGError.config("the KB's vectors have dimension \(kb.dimension ?? 0) but the question encoder's output is \(q.outputDim)")
        }
    }

    private static func compose(_ variant: RagVariant) -> Builtin {
        let name = variant.rawValue
        return Builtin(name, [Param("question_encoder"), Param("generator"), Param("kb"), Param("n_docs", default: .int(5)),
                       Param("max_combined_length", default: .int(300)), Param("label_smoothing", default: .float(0)),
                       Param("missing_documents", default: .string("error"))],
                "\(name)(question_encoder: q, generator: g, kb: k, n_docs: 5, max_combined_length: 300, label_smoothing: 0.0, missing_documents: \"error\") -> RAG: RAG-\(name) over an indexed KB; q and g must carry tokenizers (they are shared, not copied); missing_documents \"reference\" pads a retrieval with fewer than n_docs hits as transformers does (docs/rag.md)") { args in
            let q = try args.handle("question_encoder", as: EncoderBox.self, typeName: "DPREncoder")
            let g = try args.handle("generator", as: BartBox.self, typeName: "Bart")
            let kb = try knowledgeBase(args)
            let qTok = try q.requireTokenizer(args.function), gTok = try g.requireTokenizer(args.function)
            var config = RagConfig(questionEncoder: q.encoder.config, generator: g.model.config)
            config.nDocs = try args.int("n_docs")
            config.maxCombinedLength = try args.int("max_combined_length")
            config.labelSmoothing = try args.double("label_smoothing")
            config.retrievalVectorSize = q.encoder.outputDim
            let missing: MissingDocumentPolicy
            switch try args.string("missing_documents") {
            case "error": missing = .error
            case "reference": missing = .reference
            case let other: throw RuntimeError("\(args.function): missing_documents must be \"error\" or \"reference\", got \"\(other)\"")
            }
            return try KBBuiltins.wrap(args.function) {
                guard config.maxCombinedLength <= g.model.config.maxPositionEmbeddings else {
                    throw RAGError.config("max_combined_length \(config.maxCombinedLength) exceeds the generator's max_position_embeddings \(g.model.config.maxPositionEmbeddings)")
                }
                try checkDimensions(q.encoder, kb)
                let model = try variant.modelClass.init(config: config, questionEncoder: q.encoder, generator: g.model, retriever: kb,
                                             questionTokenizer: qTok, generatorTokenizer: gTok)
                model.missingDocuments = missing
                return .handle(RagBox(model: model, kb: kb, questionEncoder: q, generator: g))
            }
        }
    }

    /// `[B, L]` question ids and mask through the question tokenizer.
    /// `r.forward`: see its doc string. Without answers the generator runs on the retrieved inputs alone (decoder
    /// start token only), so doc_scores, ids and titles are those of the retrieval step.
    static func forward(_ args: CallArgs) throws -> Value {
        let box = try args.receiver(as: RagBox.self)
        let (ids, mask) = try questionBatch(box, args)
        let gTok = box.model.generatorTokenizer, gc = box.model.generator.config
        var labels: IntTensor?
        if !args.isNull("answers") {
            let answers = try ModelSupport.strings(args, "answers")
            guard answers.count == ids.shape[0] else {
                throw RuntimeError("\(args.function): \(ids.shape[0]) questions but \(answers.count) answers")
            }
            labels = try ModelSupport.batch(gTok, answers, limit: min(gTok.modelMaxLength ?? gc.maxPositionEmbeddings, gc.maxPositionEmbeddings)).ids
        }
        return try KBBuiltins.wrap(args.function) {
            // Without answers the generator sees only its start token (one position of logits, no loss).
            let start = try IntTensor(shape: [ids.shape[0], 1], scalars: Array(repeating: gc.decoderStartTokenId, count: ids.shape[0]))
            let out = try box.model(inputIds: ids, attentionMask: mask, labels: labels, decoderInputIds: labels == nil ? start : nil,
                                    reduceLoss: true)
            let d = out.context.documents
            let rows = (0..<d.questionCount).map { q in (q * d.nDocs)..<((q + 1) * d.nDocs) }
            return .dict(DictRef([
                ("doc_ids", .list(ListRef(rows.map { r in .list(ListRef(d.docIds[r].map { .int($0) })) }))),
                ("titles", .list(ListRef(rows.map { r in .list(ListRef(d.titles[r].map { .string($0) })) }))),
                ("doc_scores", .handle(out.docScores)),
                ("loss", out.loss.map { .handle($0) } ?? .null),
                ("logits", try args.bool("logits") ? .handle(out.logits) : .null),
            ]))
        }
    }

    static func questionBatch(_ box: RagBox, _ args: CallArgs) throws -> (ids: IntTensor, mask: IntTensor) {
        let questions = try ModelSupport.strings(args, "questions")
        let tok = box.model.questionTokenizer, c = box.model.questionEncoder.config
        return try ModelSupport.batch(tok, questions, limit: min(tok.modelMaxLength ?? c.maxPositionEmbeddings, c.maxPositionEmbeddings))
    }

    static var methods: [Builtin] {
        [
            Builtin("retrieve", [Param("questions"), Param("n_docs", default: .null)],
                    "retrieve(questions, n_docs: nil) -> Dict {doc_ids, scores, passages}: per question the top documents, their index scores and {id, title, text}") { args in
                let box = try args.receiver(as: RagBox.self)
                let (ids, mask) = try questionBatch(box, args)
                let nDocs = try args.optionalInt("n_docs")
                let docs = try KBBuiltins.wrap(args.function) {
                    try Tensor.withNoGrad {
                        let q = try box.model.encodeQuestions(inputIds: ids, attentionMask: mask)
                        return try box.model.retrieve(inputIds: ids, questionPooled: q, nDocs: nDocs, tokenizeForContextEncoder: false).documents
                    }
                }
                let n = docs.nDocs
                let rows = (0..<docs.questionCount).map { i in (i * n)..<((i + 1) * n) }
                return .dict(DictRef([
                    ("doc_ids", .list(rows.map { r in .list(r.map { .int(docs.docIds[$0]) }) })),
                    ("scores", .list(rows.map { r in .list(r.map { .float(Double(docs.scores[$0])) }) })),
                    ("passages", .list(rows.map { r in .list(r.map { j in
                        .dict(DictRef([("id", .int(docs.docIds[j])), ("title", .string(docs.titles[j])), ("text", .string(docs.texts[j]))]))
                    }) })),
                ]))
            },
            Builtin("loss", [Param("questions"), Param("answers")],
                    "loss(questions, answers) -> Tensor: the variant's negative log-likelihood summed over the batch (reduce_loss, as the seed trains); labels = answers through the generator tokenizer. Call .backward() for gradients in the question encoder, generator and, end to end, the context encoder") { args in
                let box = try args.receiver(as: RagBox.self)
                let (ids, mask) = try questionBatch(box, args)
                let answers = try ModelSupport.strings(args, "answers")
                guard answers.count == ids.shape[0] else {
                    throw RuntimeError("\(args.function): \(ids.shape[0]) questions but \(answers.count) answers")
                }
                let gTok = box.model.generatorTokenizer, gc = box.model.generator.config
                return try KBBuiltins.wrap(args.function) {
                    let labels = try ModelSupport.batch(gTok, answers, limit: min(gTok.modelMaxLength ?? gc.maxPositionEmbeddings, gc.maxPositionEmbeddings)).ids
                    let out = try box.model(inputIds: ids, attentionMask: mask, labels: labels, reduceLoss: true)
                    guard let loss = out.loss else { throw RAGError.input("the forward returned no loss") }
                    return .handle(loss)
                }
            },
            Builtin("forward", [Param("questions"), Param("answers", default: .null), Param("logits", default: .bool(false))],
                    "forward(questions, answers: nil, logits: false) -> Dict {doc_ids, titles, doc_scores, loss, logits}: one RAG forward as training runs it: the retrieved passage ids and titles per question, doc_scores [B, n_docs] (a Tensor; with answers and grad recording its gradient flows back into the question encoder and, end to end, the context encoder), loss (summed NLL, nil without answers) and, with logits: true, the generator logits [B*n_docs, T, V]") { args in
                try forward(args)
            },
            Builtin("generate", [Param("questions"), Param("beams", default: .int(4)), Param("max_length", default: .int(25)),
                                 Param("n_docs", default: .null), Param("ids", default: .bool(false))],
                    "generate(questions, beams: 4, max_length: 25, n_docs: nil, ids: false) -> List of Strings: RAG-token beam search over doc-marginalised scores, or RAG-sequence thorough decoding; decoded without special tokens; with ids: true the generated token ids (Lists of Ints) instead") { args in
                let box = try args.receiver(as: RagBox.self)
                let (ids, mask) = try questionBatch(box, args)
                let g = box.model.generationConfig(maxLength: try args.int("max_length"), numBeams: try args.int("beams"))
                let nDocs = try args.optionalInt("n_docs")
                return try KBBuiltins.wrap(args.function) {
                    let rows = try box.model.generate(inputIds: ids, attentionMask: mask, config: g, nDocs: nDocs)
                    if try args.bool("ids") { return ModelSupport.idRows(rows) }
                    return .list(try box.model.generatorTokenizer.decodeBatch(rows, skipSpecialTokens: true).map { .string($0) })
                }
            },
            Builtin("save", [Param("path")], "save(path): the RAG checkpoint folder (config.json, generation_config.json, model.safetensors without ctx_encoder keys, both tokenizers), written atomically") { args in
                let box = try args.receiver(as: RagBox.self)
                try KBBuiltins.wrap(args.function) { try box.model.save(to: URL(fileURLWithPath: try args.string("path"))) }
                return .null
            }.writingOnRankZero(),
            Builtin("set_context_encoder", [Param("ctx_encoder")],
                    "set_context_encoder(ctx_encoder): the seed's set_context_encoder_for_training; with a context tokenizer set, the forward re-encodes retrieved passages and trains the encoder") { args in
                let box = try args.receiver(as: RagBox.self)
                let ctx = try args.handle("ctx_encoder", as: EncoderBox.self, typeName: "DPREncoder")
                try KBBuiltins.wrap(args.function) {
                    if let tok = box.model.contextTokenizer {
                        try ModelSupport.checkTokenizer(tok, vocabSize: ctx.encoder.config.vocabSize, pad: ctx.encoder.config.padTokenId)
                    }
                    try box.setContextEncoder(ctx)
                }
                return .null
            },
            Builtin("set_context_encoder_tokenizer", [Param("tokenizer")],
                    "set_context_encoder_tokenizer(tokenizer): the seed's set_ctx_encoder_tokenizer (tokenizes retrieved (title, text) pairs)") { args in
                let box = try args.receiver(as: RagBox.self)
                let tok = try args.handle("tokenizer", as: Tokenizer.self, typeName: "Tokenizer")
                if let ctx = box.contextEncoder?.encoder {
                    try KBBuiltins.wrap(args.function) { try ModelSupport.checkTokenizer(tok, vocabSize: ctx.config.vocabSize, pad: ctx.config.padTokenId) }
                }
                box.setContextEncoderTokenizer(tok)
                return .null
            },
        ] + [TrainBuiltins.refreshKB] + ModelSupport.moduleMethods { try $0.receiver(as: RagBox.self).model }
    }

    static var handleType: HandleType {
        var type = HandleType(RagBox.self, name: "RAG", doc: "a RAG model: question encoder + KB retriever + BART generator",
                              describe: { describe($0 as! RagBox) })  // swiftlint:disable:this force_cast
        type.methods = methods
        type.properties = [
            Property("variant", "\"token\" or \"sequence\"") { .string(try box($0).model.variant.rawValue) },
            Property("n_docs", "documents retrieved per question") { .int(try box($0).model.config.nDocs) },
            Property("end_to_end", "true when a context encoder and its tokenizer are set") { .bool(try box($0).model.isEndToEnd) },
            Property("question_encoder", "the question encoder (DPREncoder, shared)") { .handle(try box($0).questionEncoder) },
            Property("generator", "the generator (Bart, shared)") { .handle(try box($0).generator) },
            Property("ctx_encoder", "the context encoder set for training, or nil") { v in try box(v).contextEncoder.map { .handle($0) } ?? .null },
            Property("kb", "the knowledge base (KB)") { .handle(try box($0).kb) },
        ] + ModelSupport.moduleProperties { try box($0).model }
        return type
    }

    static func describe(_ box: RagBox) -> String {
        "RAG(\(box.model.variant.rawValue), n_docs \(box.model.config.nDocs), \((try? box.kb)?.count ?? 0) passages, "
            + "\(box.model.isEndToEnd ? "end-to-end" : box.contextEncoder != nil ? "ctx encoder without tokenizer" : "no ctx encoder"), "
            + "\(box.model.parameterCount) parameters, \(box.model.isTraining ? "train" : "eval"))"
    }
}
