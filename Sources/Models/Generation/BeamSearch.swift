import Foundation

/// Beam search as transformers 5.x `_beam_search` with `do_sample=False` (the vectorised rewrite; it
/// differs from transformers `RagTokenForGeneration.generate`, which describes the older BeamScorer, in these points):
///
/// - Per step and batch item, the `2k` best of `k·V` accumulated scores (`log_softmax` + processors +
///   running score) are candidates, best first. A candidate "hits" when its token is `eos` or its
///   length reaches `maxLength`.
/// - Running beams: the `k` best candidates after adding -1e9 to those that hit.
/// - Finished list (`k` slots, initially score -1e9): the hits among the first `k` candidates, scored
///   `score / (generatedLength)^lengthPenalty` (generated length counts the new token, not the start
///   token), are merged with the list and the best `k` kept. Nothing is added once an item is done
///   (all slots finished and `earlyStopping == .immediate`, or the heuristic below says no improvement).
/// - Heuristic: an item stays open while the best running score divided by
///   `(curLen - promptLen)^lengthPenalty` (or `maxLength - promptLen` for `.never` with a positive
///   penalty) beats the worst finished score (or -1e9 while some slot is empty).
/// - The loop ends when no item is open, or (`.immediate`) every slot of every item is finished, or
///   every candidate hit. Output: the first `numReturnSequences` finished hypotheses per item, best
///   first, padded with `pad` (else `eos`) to the longest.
/// Scores use Float arithmetic throughout, like the reference's float32 tensors.
public enum BeamSearch {
    static let minusInf: Float = -1.0e9

    struct Hypothesis {
        var tokens: [Int]
        var score: Float
        var finished: Bool
    }

    public static func run<S: TokenScorer>(_ scorer: inout S, batchSize: Int,
                                           config: GenerationConfig) throws -> [[Int]] {
        try config.validate()
        let k = config.numBeams, v = scorer.vocabularySize, promptLength = 1
        let start = [config.decoderStartTokenId]
        var running = Array(repeating: Array(repeating: start, count: k), count: batchSize)
        var runningScores = Array(repeating: [Float](repeating: minusInf, count: k), count: batchSize)
        for b in 0..<batchSize { runningScores[b][0] = 0 }
        var finished = Array(repeating: Array(repeating: Hypothesis(tokens: start, score: minusInf, finished: false),
                                              count: k), count: batchSize)
        var open = Array(repeating: true, count: batchSize)
        var curLength = promptLength
        while true {
            let flat = running.flatMap { $0 }
            var scores = try scorer.nextTokenScores(flat)
            guard scores.count == flat.count * v else {
                throw GenerationError.scorer("expected \(flat.count)x\(v) scores, got \(scores.count)")
            }
            for r in 0..<flat.count {
                var row = scores[(r * v)..<((r + 1) * v)]
                LogitsProcessors.logSoftmax(&row)
                LogitsProcessors.apply(config, tokens: flat[r], scores: &row)
                scores.replaceSubrange((r * v)..<((r + 1) * v), with: row)
            }
            var allHit = true
            var sourceRows: [Int] = []
            let denominator = Float(pow(Double(curLength + 1 - promptLength), config.lengthPenalty))
            for b in 0..<batchSize {
                // Candidates: top 2k of the accumulated scores over all k·V continuations.
                var accumulated = [Float](repeating: 0, count: k * v)
                for j in 0..<k {
                    for t in 0..<v { accumulated[j * v + t] = scores[(b * k + j) * v + t] + runningScores[b][j] }
                }
                let top = topK(accumulated, 2 * k)
                let candidates = top.map { i in (beam: i / v, tokens: running[b][i / v] + [i % v], score: accumulated[i]) }
                let hits = candidates.map { $0.tokens.last == config.eosTokenId || curLength + 1 >= config.maxLength }
                if hits.contains(false) { allHit = false }
                // Running beams for the next step.
                let penalised = zip(candidates, hits).map { $0.score + ($1 ? minusInf : 0) }
                let keep = topK(penalised, k)
                running[b] = keep.map { candidates[$0].tokens }
                runningScores[b] = keep.map { penalised[$0] }
                sourceRows += keep.map { b * k + candidates[$0].beam }
                // Finished list.
                let full = finished[b].allSatisfy(\.finished) && config.earlyStopping == .immediate
                var merged = finished[b]
                for (c, candidate) in candidates.enumerated() {
                    let justFinished = hits[c] && c < k
                    var s = candidate.score / denominator
                    s += full ? minusInf : 0
                    s += open[b] ? 0 : minusInf
                    s += justFinished ? 0 : minusInf
                    merged.append(Hypothesis(tokens: candidate.tokens, score: s, finished: justFinished))
                }
                finished[b] = topK(merged.map(\.score), k).map { merged[$0] }
            }
            try scorer.reorder(rows: sourceRows)
            curLength += 1
            for b in 0..<batchSize where open[b] {
                let bestLength = config.earlyStopping == .never && config.lengthPenalty > 0
                    ? config.maxLength - promptLength : curLength - promptLength
                let best = runningScores[b][0] / Float(pow(Double(bestLength), config.lengthPenalty))
                let worst = finished[b].allSatisfy(\.finished) ? finished[b].map(\.score).min() ?? minusInf : minusInf
                open[b] = best > worst
            }
            let everySlotFinished = finished.allSatisfy { $0.allSatisfy(\.finished) }
            if !open.contains(true) || (everySlotFinished && config.earlyStopping == .immediate) || allHit { break }
        }
        let fill = config.eosTokenId == nil ? -1 : (config.padTokenId.flatMap { $0 == 0 ? nil : $0 } ?? config.eosTokenId ?? -1)
        var out: [[Int]] = []
        for b in 0..<batchSize { out += finished[b].prefix(config.numReturnSequences).map(\.tokens) }
        let width = out.map(\.count).max() ?? promptLength
        return out.map { $0 + Array(repeating: fill, count: width - $0.count) }
    }

    /// Indices of the `n` largest values, largest first; ties keep the lower index first.
    /// Insertion into a sorted prefix: O(count · n) worst case, near O(count) for n ≪ count.
    static func topK(_ values: [Float], _ n: Int) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(n + 1)
        for i in values.indices {
            let x = values[i]
            if best.count == n, let last = best.last, !(x > values[last]) { continue }
            var pos = best.count
            while pos > 0 && x > values[best[pos - 1]] { pos -= 1 }
            best.insert(i, at: pos)
            if best.count > n { best.removeLast() }
        }
        return best
    }
}
