/// Generation parameters for BART (and later RAG), with the meaning transformers 5.x gives them
/// (transformers `RagTokenForGeneration.generate`; the search follows the 5.x vectorised beam search, see BeamSearch.swift).
///
///     var g = GenerationConfig(bart: config)       // ids from the model config, library defaults
///     g.numBeams = 4; g.maxLength = 25
///     let ids = try model.generate(inputIds: src, attentionMask: mask, config: g)
public struct GenerationConfig: Equatable, Sendable {
    /// transformers' `early_stopping`: `false` (heuristic), `true` (stop when `numBeams` hypotheses are
    /// done), `"never"` (canonical beam search).
    public enum EarlyStopping: Equatable, Sendable { case heuristic, immediate, never }

    /// Total length including the decoder start token.
    public var maxLength = 20
    /// Minimum total length (start token included) before `</s>` may be generated.
    public var minLength = 0
    public var numBeams = 1
    public var numReturnSequences = 1
    /// Finished hypotheses are ranked by `score / generatedLength ^ lengthPenalty`.
    public var lengthPenalty: Double = 1.0
    public var earlyStopping = EarlyStopping.heuristic
    /// 0 = off; otherwise no n-gram of this size may occur twice in a row (start token included).
    public var noRepeatNgramSize = 0
    public var bosTokenId: Int?
    public var eosTokenId: Int?
    public var padTokenId: Int?
    public var decoderStartTokenId: Int
    /// If set, the first generated token is forced to this id.
    public var forcedBosTokenId: Int?
    /// If set, the token at position `maxLength - 1` is forced to this id.
    public var forcedEosTokenId: Int?

    public init(decoderStartTokenId: Int, bosTokenId: Int? = nil, eosTokenId: Int? = nil, padTokenId: Int? = nil) {
        self.decoderStartTokenId = decoderStartTokenId
        self.bosTokenId = bosTokenId
        self.eosTokenId = eosTokenId
        self.padTokenId = padTokenId
    }

    /// Checks the combination before any work is done.
    public func validate() throws {
        func bad(_ reason: String) -> GenerationError { GenerationError.invalidConfig(reason) }
        guard maxLength >= 2 else { throw bad("max_length must be at least 2 (start token + one token), got \(maxLength)") }
        guard numBeams >= 1, numBeams <= 1024 else { throw bad("num_beams must be from 1 to 1024, got \(numBeams)") }
        guard maxLength <= 1 << 20 else { throw bad("max_length must be at most \(1 << 20), got \(maxLength)") }
        guard numReturnSequences >= 1, numReturnSequences <= numBeams else {
            throw bad("num_return_sequences (\(numReturnSequences)) must be between 1 and num_beams (\(numBeams))")
        }
        guard minLength >= 0, noRepeatNgramSize >= 0 else { throw bad("min_length and no_repeat_ngram_size must be >= 0") }
        if eosTokenId != nil && padTokenId == nil && numBeams == 1 {
            throw bad("greedy search with an eos_token_id needs a pad_token_id for finished rows")
        }
    }
}

public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    case scorer(String)

    public var description: String {
        switch self {
        case .invalidConfig(let r): return "generation: \(r)"
        case .scorer(let r): return "generation: \(r)"
        }
    }
}

/// The model side of a search: next-token scores for every row, and cache reordering.
/// BART implements it with its key/value cache; RAG-token with doc-marginalised log-probabilities.
public protocol TokenScorer {
    /// Vocabulary size `V` (the width of each score row).
    var vocabularySize: Int { get }
    /// Scores of the next token for each row, `[rows.count * V]` row-major. `rows[r]` holds all tokens
    /// so far (decoder start included); a cached implementation only needs each row's last token.
    /// Greedy search treats them as logits, beam search applies `log_softmax` first.
    mutating func nextTokenScores(_ rows: [[Int]]) throws -> [Float]
    /// Row `r` of the next call continues old row `source[r]` (beam reordering); reorder caches.
    mutating func reorder(rows source: [Int]) throws
}
