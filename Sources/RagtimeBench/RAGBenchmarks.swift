import Foundation
import KB
import Models
import Tensor
import Tokenizers

/// The RAG suite: seconds per forward+backward of RAG-token end-to-end (ctx encoder re-encoding
/// the retrieved passages) at batch 4, n_docs 5, source 128 (padded), target 25, combined length 300, over
/// the dummy KB (6 passages, flat index) with the fixture tokenizers (WordPiece 300, BPE 500), random
/// weights. Peer: scripts/bench/rag_bench.py (transformers, same shapes, same machine).
func runRAGBenchmarks() throws {
    print("case                              fwd+bwd s (median)   loss")
    for s in RagBenchSize.rag where benchCaseSelected(s.name) {
        let setup = try RagBenchSetup(s)
        let rag = setup.rag
        var loss: Float = 0
        let step = try ragMedian(reps: s.reps) {
            let out = try rag(inputIds: setup.ids, attentionMask: setup.mask, labels: setup.labels, reduceLoss: true)
            guard let l = out.loss else { return }
            try l.backward()
            loss = try l.item()
            rag.zeroGrad()
        }
        let retrieval = try ragMedian(reps: s.reps) {
            let qv = try Tensor.withNoGrad { try rag.encodeQuestions(inputIds: setup.ids, attentionMask: setup.mask) }
            _ = try rag.retrieve(inputIds: setup.ids, questionPooled: qv)
        }
        print(String(format: "%-33@ %12.3f %14.3f   (question encoding + retrieval + tokenization: %.3f s)",
                     s.name as NSString, step, loss, retrieval))
    }
}

/// Sizes of the RAG and training-step suites: DPR encoders (question and context) and a BART generator.
struct RagBenchSize {
    let name: String
    let hidden: Int, layers: Int, heads: Int, ff: Int
    let dModel: Int, bartLayers: Int, bartHeads: Int, bartFF: Int
    let reps: Int

    static let tiny = RagBenchSize(name: "tiny (64x2, BART 64 2+2)", hidden: 64, layers: 2, heads: 2, ff: 256,
                                   dModel: 64, bartLayers: 2, bartHeads: 2, bartFF: 256, reps: 5)
    static let miniLM = RagBenchSize(name: "MiniLM 384x6, BART 512 3+3", hidden: 384, layers: 6, heads: 12, ff: 1536,
                                     dModel: 512, bartLayers: 3, bartHeads: 8, bartFF: 2048, reps: 3)
    static let base = RagBenchSize(name: "BERT-base 768x12, BART-base 6+6", hidden: 768, layers: 12, heads: 12, ff: 3072,
                                   dModel: 768, bartLayers: 6, bartHeads: 12, bartFF: 3072, reps: 3)
    static let rag = [tiny, miniLM]
    static let train = [tiny, miniLM, base]
}

/// RAG-token end-to-end over the dummy KB with the fixture tokenizers, in train mode with dropout off
/// (as the peers), and the fixed batch: 4 questions padded to 128, labels padded to 25.
struct RagBenchSetup {
    let rag: RagTokenForGeneration
    let ids: IntTensor, mask: IntTensor, labels: IntTensor

    init(_ s: RagBenchSize) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dpr = try Tokenizer.load(from: root.appendingPathComponent("test_dir/fixtures/rag/tokenizers/dpr"))
        let bart = try Tokenizer.load(from: root.appendingPathComponent("test_dir/fixtures/rag/tokenizers/bart"))
        func lines(_ path: String) throws -> [String] {
            try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8).split(separator: "\n").prefix(4).map(String.init)
        }
        let q = try dpr.encodeBatch(try lines("test_dir/dummy-train-data/train.source"), maxLength: 128, padding: .fixed(128))
        let t = try bart.encodeBatch(try lines("test_dir/dummy-train-data/train.target"), maxLength: 25, padding: .fixed(25))
        ids = try IntTensor(shape: [4, 128], scalars: q.ids.flatMap { $0 })
        mask = try IntTensor(shape: [4, 128], scalars: q.attentionMask.flatMap { $0 })
        labels = try IntTensor(shape: [4, 25], scalars: t.ids.flatMap { $0 })

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
        rag = try RagTokenForGeneration(config: rc, questionEncoder: question, generator: generator, retriever: kb,
                                        questionTokenizer: dpr, generatorTokenizer: bart)
        try rag.setContextEncoderForTraining(ctx)
        rag.setContextEncoderTokenizer(dpr)
        rag.train()
    }
}

func ragMedian(reps: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
