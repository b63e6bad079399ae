/// Greedy decoding as transformers 5.x `_sample` with `do_sample=False` (transformers `RagTokenForGeneration.generate`):
/// processors on the raw scores, argmax (lowest index on ties), finished rows get `pad`, a row finishes
/// on `eos` or at `maxLength`, the loop stops when every row has finished.
///
/// Returns one id row per input row, each starting with the decoder start token; rows that finished
/// early are padded with `pad` up to the common length.
public enum GreedySearch {
    public static func run<S: TokenScorer>(_ scorer: inout S, batchSize: Int,
                                           config: GenerationConfig) throws -> [[Int]] {
        try config.validate()
        guard config.numBeams == 1 else { throw GenerationError.invalidConfig("greedy search needs num_beams == 1") }
        let v = scorer.vocabularySize
        var rows = Array(repeating: [config.decoderStartTokenId], count: batchSize)
        var unfinished = Array(repeating: true, count: batchSize)
        while true {
            let scores = try scorer.nextTokenScores(rows)
            guard scores.count == batchSize * v else {
                throw GenerationError.scorer("expected \(batchSize)x\(v) scores, got \(scores.count)")
            }
            for r in 0..<batchSize {
                var token: Int
                if unfinished[r] {
                    var row = scores[(r * v)..<((r + 1) * v)]
                    LogitsProcessors.apply(config, tokens: rows[r], scores: &row)
                    token = row.startIndex
                    for i in row.indices where row[i] > row[token] { token = i }
                    token -= row.startIndex
                } else {
                    token = config.padTokenId ?? 0
                }
                rows[r].append(token)
                if rows[r].count >= config.maxLength || token == config.eosTokenId { unfinished[r] = false }
            }
            if !unfinished.contains(true) { return rows }
        }
    }
}
