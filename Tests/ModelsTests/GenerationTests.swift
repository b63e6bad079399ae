import XCTest
@testable import Models

/// Logits processors and search mechanics on a scripted scorer (parity with transformers is in
/// BartParityTests; these pin the rules one at a time).
final class GenerationTests: XCTestCase {
    func config() -> GenerationConfig {
        var g = GenerationConfig(decoderStartTokenId: 2, bosTokenId: 0, eosTokenId: 2, padTokenId: 1)
        g.maxLength = 8
        return g
    }

    func processed(_ g: GenerationConfig, _ tokens: [Int], v: Int = 6) -> [Float] {
        var row = ArraySlice([Float](repeating: 0.5, count: v))
        LogitsProcessors.apply(g, tokens: tokens, scores: &row)
        return Array(row)
    }

    func testNoRepeatNgramBansCompletions() {
        var g = config()
        g.noRepeatNgramSize = 2
        // Row [2, 4, 5, 4]: the bigram (4, 5) exists, so after a trailing 4 the token 5 is banned.
        XCTAssertEqual(processed(g, [2, 4, 5, 4]), [0.5, 0.5, 0.5, 0.5, 0.5, -.infinity])
        g.noRepeatNgramSize = 3
        XCTAssertEqual(processed(g, [2, 4, 5, 3, 4, 5]), [0.5, 0.5, 0.5, -.infinity, 0.5, 0.5])
        XCTAssertEqual(processed(g, [2, 4]), Array(repeating: 0.5, count: 6), "too short to complete a 3-gram")
    }

    func testMinLengthAndForcedTokens() {
        var g = config()
        g.minLength = 3
        XCTAssertEqual(processed(g, [2, 4])[2], -.infinity)
        XCTAssertEqual(processed(g, [2, 4, 4])[2], 0.5)
        g.forcedBosTokenId = 0
        XCTAssertEqual(processed(g, [2]), [0, -.infinity, -.infinity, -.infinity, -.infinity, -.infinity])
        g.forcedEosTokenId = 2
        XCTAssertEqual(processed(g, Array(repeating: 4, count: 7)), [-.infinity, -.infinity, 0, -.infinity, -.infinity, -.infinity])
    }

    /// Scores from a fixed table keyed by the row's last token; counts calls and reorders.
    struct TableScorer: TokenScorer {
        var table: [Int: [Float]]
        var reorders: [[Int]] = []
        var vocabularySize: Int { 6 }
        mutating func nextTokenScores(_ rows: [[Int]]) throws -> [Float] { rows.flatMap { table[$0.last!]! } }
        mutating func reorder(rows source: [Int]) throws { reorders.append(source) }
    }

    func testGreedyPadsFinishedRowsAndStopsAtMaxLength() throws {
        // After 2 (start) -> 3; 3 -> 4; 4 -> eos(2) ... but the start token is also 2: key by last token.
        let t: [Int: [Float]] = [2: [0, 0, 0, 5, 1, 0], 3: [0, 0, 0, 0, 5, 0], 4: [0, 0, 5, 0, 0, 0], 5: [0, 0, 0, 0, 0, 5], 1: [0, 0, 0, 0, 0, 0]]
        var scorer = TableScorer(table: t)
        var g = config()
        g.maxLength = 6
        XCTAssertEqual(try GreedySearch.run(&scorer, batchSize: 1, config: g), [[2, 3, 4, 2]])
        g.forcedEosTokenId = nil
        var loop = TableScorer(table: [2: [0, 0, 0, 0, 0, 5], 5: [0, 0, 0, 0, 0, 5]])
        XCTAssertEqual(try GreedySearch.run(&loop, batchSize: 2, config: g), [[2, 5, 5, 5, 5, 5], [2, 5, 5, 5, 5, 5]])
    }

    func testBeamSearchRejectsBadConfigs() {
        var g = config()
        g.numBeams = 2
        g.numReturnSequences = 3
        var s = TableScorer(table: [:])
        XCTAssertThrowsError(try BeamSearch.run(&s, batchSize: 1, config: g))
        g.numReturnSequences = 1
        g.maxLength = 1
        XCTAssertThrowsError(try BeamSearch.run(&s, batchSize: 1, config: g))
    }

    func testTopKOrderAndTies() {
        XCTAssertEqual(BeamSearch.topK([1, 3, 3, -1, 2], 3), [1, 2, 4])
        XCTAssertEqual(BeamSearch.topK([-.infinity, 0], 2), [1, 0])
    }
}
