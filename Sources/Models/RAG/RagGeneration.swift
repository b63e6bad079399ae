import NN
import Tensor

/// RAG-token as a `TokenScorer` (transformers `RagTokenForGeneration.generate`): the generator decoder runs one token per step
/// over `rows · n` rows (order: row, doc) with a key/value cache, and each row's next-token scores are the
/// doc-marginalised log-probabilities `logsumexp_j(log_softmax(logits_j) + log_softmax(doc_scores)_j)`.
struct RagTokenScorer: TokenScorer {
    let generator: BartModel
    /// `[rows·n, L, d]` encoder states and `[rows·n, L]` mask, rows in (batch, beam, doc) order.
    let encoderHidden: Tensor
    let mask: IntTensor
    /// `[rows, n, 1, 1]` document log-prior per row.
    let docLogProbs: Tensor
    let nDocs: Int
    var cache: KeyValueCache?

    var vocabularySize: Int { generator.config.vocabSize }

    mutating func nextTokenScores(_ rows: [[Int]]) throws -> [Float] {
        let past = cache?.length ?? 0
        guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }), width == past + 1,
              rows.count * nDocs == encoderHidden.shape[0] else {
            throw GenerationError.scorer("RAG-token rows must all hold \(past + 1) tokens, \(encoderHidden.shape[0] / nDocs) rows")
        }
        let ids = try IntTensor(shape: [rows.count * nDocs, 1], scalars: rows.flatMap { Array(repeating: $0[width - 1], count: nDocs) })
        let (logits, _) = try generator.decode(decoderInputIds: ids, encoderHidden: encoderHidden, attentionMask: mask, cache: &cache)
        let v = logits.shape[2]
        let seq = try logits.logSoftmax(dim: -1).reshaped([rows.count, nDocs, 1, v])
        return try (seq + docLogProbs).logsumexp(dim: 1).scalars
    }

    mutating func reorder(rows source: [Int]) throws {
        try cache?.reorder(rows: source.flatMap { s in (0..<nDocs).map { s * nDocs + $0 } })
    }
}

extension RagForGeneration {
    /// The generation parameters: the generator's generation config (ids, forced eos, defaults) with the
    /// given overrides (transformers ≥ 4.26 resolution, transformers `RagTokenForGeneration.generate` [version]).
    public func generationConfig(maxLength: Int? = nil, minLength: Int? = nil, numBeams: Int? = nil,
                                 numReturnSequences: Int? = nil) -> GenerationConfig {
        var g = generator.config.generation
        if let maxLength { g.maxLength = maxLength }
        if let minLength { g.minLength = minLength }
        if let numBeams { g.numBeams = numBeams }
        if let numReturnSequences { g.numReturnSequences = numReturnSequences }
        return g
    }
}

extension RagTokenForGeneration {
    /// RAG-token generation (transformers `RagTokenForGeneration.generate`): greedy (`numBeams == 1`) or beam search over the
    /// doc-marginalised log-probabilities. Doc scores use the **index vectors** even in end-to-end mode.
    /// Returns `B · numReturnSequences` id rows starting with the decoder start token, padded with `<pad>`.
    public func marginalizedGeneration(inputIds: IntTensor, attentionMask: IntTensor? = nil,
                                       config generation: GenerationConfig? = nil, nDocs: Int? = nil) throws -> [[Int]] {
        let g = generation ?? generationConfig()
        try g.validate()
        return try Tensor.withNoGrad {
            let q = try encodeQuestions(inputIds: inputIds, attentionMask: attentionMask)
            let context = try retrieve(inputIds: inputIds, questionPooled: q, nDocs: nDocs, tokenizeForContextEncoder: false)
            let scores = try docScores(questionPooled: q, context: context, useIndexVectors: true)
            let b = inputIds.shape[0], n = context.documents.nDocs, k = g.numBeams
            let (ids, trimmedMask) = try context.generatorInputsWithoutPaddingTail()
            var enc = try generator.encode(inputIds: ids, attentionMask: trimmedMask)
            var mask = trimmedMask
            var docLP = try scores.logSoftmax(dim: 1)
            if k > 1 {
                // (batch, beam, doc) order for the generator rows, (batch, beam) for the doc scores.
                let rows = (0..<b).flatMap { i in (0..<k).flatMap { _ in (0..<n).map { i * n + $0 } } }
                enc = try enc.indexSelect(dim: 0, index: IntTensor(rows))
                let l = mask.shape[1]
                mask = try IntTensor(shape: [rows.count, l], scalars: rows.flatMap { mask.scalars[($0 * l)..<(($0 + 1) * l)] })
                docLP = try docLP.indexSelect(dim: 0, index: IntTensor((0..<b).flatMap { Array(repeating: $0, count: k) }))
            }
            var scorer = RagTokenScorer(generator: generator, encoderHidden: enc, mask: mask,
                                        docLogProbs: try docLP.reshaped([b * k, n, 1, 1]), nDocs: n,
                                        cache: KeyValueCache(layers: generator.config.decoderLayers))
            return k > 1 ? try BeamSearch.run(&scorer, batchSize: b, config: g)
                         : try GreedySearch.run(&scorer, batchSize: b, config: g)
        }
    }
}

extension RagSequenceForGeneration {
    /// What thorough decoding produced for one question (for inspection and tests).
    public struct Candidates {
        /// `[n · numBeams]` generator beams, doc-major.
        public let perDocBeams: [[Int]]
        /// After deduplication (first occurrence kept, order preserved) when enabled.
        public let candidates: [[Int]]
        /// Rescoring loss per candidate (RAG-sequence loss, `exclude_bos_score`, ε from the config).
        public let losses: [Float]
        /// Indices into `candidates`, best (smallest loss) first.
        public let chosen: [Int]
    }

    /// RAG-sequence "thorough decoding" (transformers `RagSequenceForGeneration.generate`): per question, beam search of the generator
    /// over each retrieved document (`numBeams` beams returned per doc), deduplication, then rescoring of
    /// every candidate by a full RAG forward (question encoding, retrieval and, end-to-end, ctx re-encoding
    /// again) with the candidate as labels; `chosen` keeps the `numReturnSequences` smallest losses per question.
    /// One entry per question, with the intermediate results (`generate` returns the chosen rows).
    public func thoroughDecoding(inputIds: IntTensor, attentionMask: IntTensor? = nil, config generation: GenerationConfig? = nil,
                                 nDocs: Int? = nil, deduplicate: Bool? = nil) throws -> [Candidates] {
        let g = generation ?? generationConfig()
        try g.validate()
        return try Tensor.withNoGrad {
            let q = try encodeQuestions(inputIds: inputIds, attentionMask: attentionMask)
            let context = try retrieve(inputIds: inputIds, questionPooled: q, nDocs: nDocs, tokenizeForContextEncoder: false)
            let n = context.documents.nDocs, l = context.contextInputIds.shape[1], lq = inputIds.shape[1]
            var perDoc = g
            perDoc.numReturnSequences = g.numBeams
            var out: [Candidates] = []
            for i in 0..<inputIds.shape[0] {
                // The reference passes attention_mask=None, and transformers 5.24 `generate` infers a mask
                // from padding only for decoder-only models: an encoder-decoder runs unmasked (all ones),
                // so padded generator inputs are attended in full (checked against the fixture; 4.x
                // inferred `ids != pad`, transformers `RagSequenceForGeneration.generate`).
                let rows = try IntTensor(shape: [n, l], scalars: Array(context.contextInputIds.scalars[(i * n * l)..<((i + 1) * n * l)]))
                let unmasked = try IntTensor(shape: [n, l], scalars: Array(repeating: 1, count: n * l))
                let beams = try generator.generate(inputIds: rows, attentionMask: unmasked, config: perDoc)
                var candidates: [[Int]] = []
                if deduplicate ?? config.doDeduplication {
                    var seen = Set<[Int]>()
                    for c in beams where seen.insert(c).inserted { candidates.append(c) }
                } else {
                    candidates = beams
                }
                let question = Array(inputIds.scalars[(i * lq)..<((i + 1) * lq)])
                let repeated = try IntTensor(shape: [candidates.count, lq], scalars: Array(repeating: question, count: candidates.count).flatMap { $0 })
                let labels = try IntTensor(shape: [candidates.count, candidates[0].count], scalars: candidates.flatMap { $0 })
                let loss = try self(inputIds: repeated, attentionMask: nil, labels: labels, nDocs: n, reduceLoss: false,
                                    labelSmoothing: config.labelSmoothing, excludeBosScore: true).loss
                let losses = try rescoringLosses(loss)
                let order = losses.indices.sorted { losses[$0] < losses[$1] || (losses[$0] == losses[$1] && $0 < $1) }
                out.append(Candidates(perDocBeams: beams, candidates: candidates, losses: losses,
                                      chosen: Array(order.prefix(g.numReturnSequences))))
            }
            return out
        }
    }

    private func rescoringLosses(_ loss: Tensor?) throws -> [Float] {
        guard let loss else { throw RAGError.input("rescoring forward returned no loss") }
        return loss.scalars
    }
}
