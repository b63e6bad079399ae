import Foundation
import KB
import Models
import Tensor
import Tokenizers

/// The RAG suite (issue 7): seconds per forward+backward of RAG-token end-to-end (ctx encoder re-encoding
/// the retrieved passages) at batch 4, n_docs 5, source 128 (padded), target 25, combined length 300, over
/// the dummy KB (6 passages, flat index) with the fixture tokenizers (WordPiece 300, BPE 500), random
/// weights. Peer: scripts/bench/rag_bench.py (transformers, same shapes, same machine).
func runRAGBenchmarks() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dpr = try Tokenizer.load(from: root.appendingPathComponent("test_dir/fixtures/rag/tokenizers/dpr"))
    let bart = try Tokenizer.load(from: root.appendingPathComponent("test_dir/fixtures/rag/tokenizers/bart"))
    let sources = try String(contentsOf: root.appendingPathComponent("test_dir/dummy-train-data/train.source"), encoding: .utf8)
        .split(separator: "\n").prefix(4).map(String.init)
    let targets = try String(contentsOf: root.appendingPathComponent("test_dir/dummy-train-data/train.target"), encoding: .utf8)
        .split(separator: "\n").prefix(4).map(String.init)
    let q = try dpr.encodeBatch(sources, maxLength: 128, padding: .fixed(128))
    let t = try bart.encodeBatch(targets, maxLength: 25, padding: .fixed(25))
    let ids = try IntTensor(shape: [4, 128], scalars: q.ids.flatMap { $0 })
    let mask = try IntTensor(shape: [4, 128], scalars: q.attentionMask.flatMap { $0 })
    let labels = try IntTensor(shape: [4, 25], scalars: t.ids.flatMap { $0 })

    let sizes: [(name: String, hidden: Int, layers: Int, heads: Int, ff: Int, dModel: Int, bartLayers: Int, bartHeads: Int, bartFF: Int, reps: Int)] = [
        ("tiny (64x2, BART 64 2+2)", 64, 2, 2, 256, 64, 2, 2, 256, 5),
        ("MiniLM 384x6, BART 512 3+3", 384, 6, 12, 1536, 512, 3, 8, 2048, 3),
    ]
    print("case                              fwd+bwd s (median)   loss")
    for s in sizes {
        var c = BertConfig()
        c.vocabSize = dpr.vocabSize; c.hiddenSize = s.hidden; c.numHiddenLayers = s.layers
        c.numAttentionHeads = s.heads; c.intermediateSize = s.ff; c.padTokenId = 0
        c.hiddenDropoutProb = 0; c.attentionProbsDropoutProb = 0    // dropout off, as the peer
        var g = BartConfig()
        g.vocabSize = bart.vocabSize; g.dModel = s.dModel; g.encoderLayers = s.bartLayers; g.decoderLayers = s.bartLayers
        g.encoderAttentionHeads = s.bartHeads; g.decoderAttentionHeads = s.bartHeads
        g.encoderFfnDim = s.bartFF; g.decoderFfnDim = s.bartFF; g.dropout = 0
        let question = try DPREncoder(kind: .question, config: c, seed: 1)
        let ctx = try DPREncoder(kind: .context, config: c, seed: 2)
        let generator = try BartModel(config: g, seed: 3)
        let kb = try KnowledgeBase.fromRaw(root.appendingPathComponent("test_dir/dummy-kb/my_knowledge_dataset.csv"))
        try kb.encode(with: try DPRPassageEncoder(encoder: ctx, tokenizer: dpr))
        try kb.buildIndex(.flat)
        var rc = RagConfig(questionEncoder: c, generator: g)
        rc.labelSmoothing = 0.1
        let rag = try RagTokenForGeneration(config: rc, questionEncoder: question, generator: generator, retriever: kb,
                                            questionTokenizer: dpr, generatorTokenizer: bart)
        try rag.setContextEncoderForTraining(ctx)
        rag.setContextEncoderTokenizer(dpr)
        rag.train()
        var loss: Float = 0
        let step = try ragMedian(reps: s.reps) {
            let out = try rag(inputIds: ids, attentionMask: mask, labels: labels, reduceLoss: true)
            guard let l = out.loss else { return }
            try l.backward()
            loss = try l.item()
            rag.zeroGrad()
        }
        let retrieval = try ragMedian(reps: s.reps) {
            let qv = try Tensor.withNoGrad { try rag.encodeQuestions(inputIds: ids, attentionMask: mask) }
            _ = try rag.retrieve(inputIds: ids, questionPooled: qv)
        }
        print(String(format: "%-33@ %12.3f %14.3f   (question encoding + retrieval + tokenization: %.3f s)",
                     s.name as NSString, step, loss, retrieval))
    }
}

private func ragMedian(reps: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
