import Foundation
import KB
import Models
import NN
import Tensor
import Tokenizers

/// The SQuAD-shaped cases of the `train` suite (run by TrainBenchmarks.swift, one child process per case):
/// training updates/s of the two arms of the SQuAD experiment (scripts/squad_end2end.rag, preset `cpu`).
///
/// Model: RAG-token; question and context encoders = all-MiniLM-L6-v2 (`DPREncoder.fromBert`, `.mean` pooling;
/// 384 hidden, 6 layers, 12 heads, ffn 1536, vocab 30522, dropout 0.1 as its config); generator = random BART
/// d_model 256, 3 + 3 layers, 4 heads, ffn 1024, vocab 8000 (the SQuAD BPE), max_position_embeddings 320,
/// dropout 0.1. n_docs 5, max_combined_length 300, label smoothing 0.1, train mode.
/// Batch: the first 8 SQuAD training questions (WordPiece, padded to the longest: [8, 17]) and their answers
/// (`<s> answer </s>`, padded to the longest: [8, 12]), as the experiment's trim_batch collation gives them.
/// Retrieval: `FixedRetriever`, question i gets the KB's passages 5i ..< 5i+5 (the first 40 SQuAD passages,
/// stored vectors from the MiniLM context encoder through `KnowledgeBase.encode`), so every step and the peer
/// see the same documents; the generator inputs "title / passage // question" are tokenized and padded to 300
/// inside the timed step, as in training.
/// Arms: `squad-original` (loss reaches question encoder + generator; doc scores from the stored vectors) and
/// `squad-end2end` (`setContextEncoderForTraining`: the 40 passages are re-tokenized and re-encoded by the
/// context encoder with gradients, padded to their longest pair).
/// Timed: one update = forward + backward + AdamW step (lr 3e-5, weight decay 0.001, all of the arm's
/// parameters) + zero grads; median of `RAGTIME_BENCH_REPS` (default 5) updates after one warm-up update.
/// Peer: scripts/bench/train_step_bench.py squad-original / squad-end2end (float32 and bf16 autocast).
struct SquadTrainCase {
    let name: String
    let endToEnd: Bool

    static let all = [
        SquadTrainCase(name: "squad-original (MiniLM x2, BART 256 3+3, B 8, n 5)", endToEnd: false),
        SquadTrainCase(name: "squad-end2end (MiniLM x2, BART 256 3+3, B 8, n 5)", endToEnd: true),
    ]
    static let header = "case                                                 update s (median)  updates/s      loss  peak RSS MB"
}

/// Returns `nDocs` fixed passages per question: row `i·nDocs + j` is passage `(i·nDocs + j) mod count` of `kb`,
/// with its stored vector (what a search over the experiment's index would hand over; the search itself,
/// HNSW over 34,622 vectors for 8 questions, is not part of this benchmark).
final class FixedRetriever: Retriever {
    let kb: KnowledgeBase
    init(_ kb: KnowledgeBase) { self.kb = kb }

    func retrieve(questionEmbeddings: [Float], questionCount: Int, nDocs: Int) throws -> RetrievedDocuments {
        guard let stored = kb.embeddings, let d = kb.dimension else { throw RAGError.retrieval("the pool is not encoded") }
        let ids = (0 ..< questionCount * nDocs).map { $0 % kb.count }
        return try RetrievedDocuments(questionCount: questionCount, nDocs: nDocs, dimension: d, docIds: ids,
                                      docEmbeddings: ids.flatMap { stored[($0 * d) ..< (($0 + 1) * d)] },
                                      scores: Array(repeating: 0, count: ids.count),
                                      titles: ids.map { kb.passages[$0].title }, texts: ids.map { kb.passages[$0].text })
    }
}

func squadTrainStep(_ c: SquadTrainCase) throws {
    if let why = SquadBenchData.missing([SquadBenchData.kbRequirement, SquadBenchData.trainSourceRequirement,
                                         SquadBenchData.miniLMRequirement, SquadBenchData.bpeRequirement]) {
        print("\(c.name): \(why)")
        return
    }
    let (batch, nDocs) = (8, 5)
    let wordPiece = try Tokenizer.load(from: SquadBenchData.miniLM)
    let bpe = try Tokenizer.load(from: SquadBenchData.bpe)
    let question = try DPREncoder.fromBert(folder: SquadBenchData.miniLM, kind: .question, pooling: .mean)
    let context = try DPREncoder.fromBert(folder: SquadBenchData.miniLM, kind: .context, pooling: .mean)

    // The 40 retrieved passages and their stored vectors (eval-mode copy of the context encoder, KB path).
    let pool = try SquadBenchData.passages(batch * nDocs)
    let kb = KnowledgeBase(passages: pool, manifest: KBManifest(source: SquadBenchData.kbFile.path, sourceFormat: .csv,
                                                                documents: 0, skippedRows: 0, wordsPerPassage: 100,
                                                                passages: pool.count))
    try kb.encode(with: try DPRPassageEncoder(encoder: DPRPassageEncoder.snapshot(of: context), tokenizer: wordPiece))

    var g = BartConfig()
    g.vocabSize = bpe.vocabSize; g.dModel = 256; g.encoderLayers = 3; g.decoderLayers = 3
    g.encoderAttentionHeads = 4; g.decoderAttentionHeads = 4; g.encoderFfnDim = 1024; g.decoderFfnDim = 1024
    g.maxPositionEmbeddings = 320; g.dropout = 0.1; g.attentionDropout = 0; g.activationDropout = 0
    g.padTokenId = bpe.specialTokenIds.pad ?? 1; g.decoderStartTokenId = 0
    let generator = try BartModel(config: g, seed: 3)
    var rc = RagConfig(questionEncoder: question.config, generator: g)
    rc.nDocs = nDocs; rc.maxCombinedLength = 300; rc.labelSmoothing = 0.1
    let rag = try RagTokenForGeneration(config: rc, questionEncoder: question, generator: generator,
                                        retriever: FixedRetriever(kb), questionTokenizer: wordPiece, generatorTokenizer: bpe)
    if c.endToEnd {
        try rag.setContextEncoderForTraining(context)
        rag.setContextEncoderTokenizer(wordPiece)
    }
    rag.train()

    let (questions, answers) = try SquadBenchData.questions(batch)
    let q = try wordPiece.encodeBatch(questions, maxLength: 128, padding: .longest)
    let t = try bpe.encodeBatch(answers, maxLength: 24, padding: .longest)
    let ids = try IntTensor(shape: [batch, q.ids[0].count], scalars: q.ids.flatMap { $0 })
    let mask = try IntTensor(shape: [batch, q.ids[0].count], scalars: q.attentionMask.flatMap { $0 })
    let labels = try IntTensor(shape: [batch, t.ids[0].count], scalars: t.ids.flatMap { $0 })

    let opt = try AdamW(parameters: rag.namedParameters(), learningRate: 3e-5, weightDecay: 0.001)
    var loss: Float = 0
    var context0: RagContext?
    let reps = SquadBenchData.reps(5)
    let step = try ragMedian(reps: reps) {
        let out = try rag(inputIds: ids, attentionMask: mask, labels: labels, reduceLoss: true)
        guard let l = out.loss else { return }
        try l.backward()
        try opt.step()
        opt.zeroGrad()
        loss = try l.item()
        if context0 == nil { context0 = out.context }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "%-52@ %12.3f %12.3f %10.3f %12.0f", c.name as NSString, step, 1 / step, loss,
                 Double(usage.ru_maxrss) / 1024))
    if let ctx = context0 {
        let rows = ctx.contextAttentionMask.shape[1]
        let genLengths = (0 ..< ctx.contextAttentionMask.shape[0]).map { r in
            ctx.contextAttentionMask.scalars[(r * rows) ..< ((r + 1) * rows)].reduce(0, +)
        }
        var shapes = "  shapes: questions \(ids.shape), labels \(labels.shape), generator input \(ctx.contextInputIds.shape) "
            + "(BPE tokens \(SquadBenchData.lengthSummary(genLengths)))"
        if let docIds = ctx.tokenizedDocIds { shapes += ", ctx re-encoding \(docIds.shape)" }
        print(shapes + ", \(opt.parameters.count) parameter tensors, \(reps) timed updates")
    }
}
