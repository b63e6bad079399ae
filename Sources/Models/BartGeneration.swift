import NN
import Tensor

/// BART as a `TokenScorer`: encoder run once, decoder one token per step with a key/value cache.
/// Rows are `batch · beams` (row `b·beams + j` reads encoder row `b`).
struct BartScorer: TokenScorer {
    let model: BartModel
    let encoderHidden: Tensor
    let mask: IntTensor
    var cache: KeyValueCache?

    var vocabularySize: Int { model.config.vocabSize }

    mutating func nextTokenScores(_ rows: [[Int]]) throws -> [Float] {
        let past = cache?.length ?? 0
        guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }), width == past + 1 else {
            throw GenerationError.scorer("rows must all hold \(past + 1) tokens (cache holds \(past))")
        }
        let ids = try IntTensor(shape: [rows.count, 1], scalars: rows.map { $0[width - 1] })
        let (logits, _) = try model.decode(decoderInputIds: ids, encoderHidden: encoderHidden, attentionMask: mask, cache: &cache)
        return logits.scalars
    }

    mutating func reorder(rows source: [Int]) throws { try cache?.reorder(rows: source) }
}

extension BartModel {
    /// Greedy or beam search (by `config.numBeams`) for `inputIds [B, L]`; returns `B · numReturnSequences`
    /// id rows, each starting with the decoder start token, padded to a common length (transformers `RagTokenForGeneration.generate`,
    /// transformers 5.x beam search; see `BeamSearch`). Runs without recording gradients.
    public func generate(inputIds: IntTensor, attentionMask: IntTensor? = nil,
                         config generation: GenerationConfig? = nil) throws -> [[Int]] {
        let g = generation ?? config.generation
        try g.validate()
        return try Tensor.withNoGrad {
            // Encoder states are read only through the masked cross-attention (TrailingPadding).
            let full = try mask(inputIds, attentionMask)
            let t = try TrailingPadding.trimmed([inputIds, full], mask: full)
            let m = t[1]
            var enc = try encode(inputIds: t[0], attentionMask: m)
            var rowMask = m
            let b = inputIds.shape[0], k = g.numBeams
            if k > 1 {
                let rows = (0..<b).flatMap { Array(repeating: $0, count: k) }
                enc = try enc.indexSelect(dim: 0, index: IntTensor(rows))
                let l = m.shape[1]
                rowMask = try IntTensor(shape: [b * k, l], scalars: rows.flatMap { m.scalars[($0 * l)..<(($0 + 1) * l)] })
            }
            var scorer = BartScorer(model: self, encoderHidden: enc, mask: rowMask,
                                    cache: KeyValueCache(layers: config.decoderLayers))
            return k > 1 ? try BeamSearch.run(&scorer, batchSize: b, config: g)
                         : try GreedySearch.run(&scorer, batchSize: b, config: g)
        }
    }
}
