/// The logits processors of transformers `RagTokenForGeneration.generate` that Ragtime supports, in transformers' order:
/// NoRepeatNGram, MinLength, ForcedBOS, ForcedEOS. `scores` is one row `[V]`, `tokens` the row so far.
enum LogitsProcessors {
    static func apply(_ config: GenerationConfig, tokens: [Int], scores: inout ArraySlice<Float>) {
        let cur = tokens.count
        let lo = scores.startIndex
        let k = config.noRepeatNgramSize
        if k > 0 && cur >= k {
            // Every earlier window whose first k-1 tokens equal the last k-1 tokens bans its k-th token.
            let prefix = tokens[(cur + 1 - k)...]
            for start in 0...(cur - k) where tokens[start..<(start + k - 1)].elementsEqual(prefix) {
                scores[lo + tokens[start + k - 1]] = -.infinity
            }
        }
        if let eos = config.eosTokenId, config.minLength > 0, cur < config.minLength {
            scores[lo + eos] = -.infinity
        }
        if let bos = config.forcedBosTokenId, cur == 1 {
            force(bos, &scores)
        }
        if let eos = config.forcedEosTokenId, cur == config.maxLength - 1 {
            force(eos, &scores)
        }
    }

    /// Every score becomes -inf except `token`, which becomes 0.
    private static func force(_ token: Int, _ scores: inout ArraySlice<Float>) {
        for i in scores.indices { scores[i] = -.infinity }
        scores[scores.startIndex + token] = 0
    }

    /// In-place numerically stable log-softmax of one row.
    static func logSoftmax(_ row: inout ArraySlice<Float>) {
        guard let m = row.max(), m.isFinite else { return }
        var sum: Float = 0
        for v in row { sum += (v - m).exp }
        let lse = m + sum.log
        for i in row.indices { row[i] -= lse }
    }
}

extension Float {
    fileprivate var exp: Float { Float(Foundation.exp(Double(self))) }
    fileprivate var log: Float { Float(Foundation.log(Double(self))) }
}

import Foundation
