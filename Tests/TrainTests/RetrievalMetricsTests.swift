import Tensor
import Train
import XCTest

final class RetrievalMetricsTests: XCTestCase {
    func testHasAnswerMatchesWholeNormalisedTokens() {
        XCTAssertEqual(RetrievalMetrics.tokens("The Eiffel Tower."), ["eiffel", "tower"])
        XCTAssertTrue(RetrievalMetrics.hasAnswer("The Eiffel Tower.", answers: ["eiffel tower"]))
        XCTAssertTrue(RetrievalMetrics.hasAnswer("Built in 1889, the EIFFEL tower is tall.", answers: ["x", "Eiffel Tower!"]))
        XCTAssertFalse(RetrievalMetrics.hasAnswer("towering trees", answers: ["tower"]))        // whole tokens only
        XCTAssertFalse(RetrievalMetrics.hasAnswer("Tower, Eiffel", answers: ["eiffel tower"]))  // order matters
        XCTAssertFalse(RetrievalMetrics.hasAnswer("the a an !!", answers: ["The", "a.", "!!", ""]))  // empty answers never match
        XCTAssertFalse(RetrievalMetrics.hasAnswer("anything", answers: []))
        XCTAssertFalse(RetrievalMetrics.hasAnswer("caf\u{E9}", answers: ["cafe\u{301}"]))    // scalar-exact, as EM
        XCTAssertTrue(RetrievalMetrics.hasAnswer("world's top-selling", answers: ["worlds topselling"]))

        let passage = RetrievalMetrics.tokens("It opened in 1889 in Paris.")
        XCTAssertTrue(RetrievalMetrics.hasAnswer(passageTokens: passage, answerTokens: [["1889", "in", "paris"]]))
        XCTAssertFalse(RetrievalMetrics.hasAnswer(passageTokens: passage, answerTokens: [[], ["paris", "france"]]))
        XCTAssertFalse(RetrievalMetrics.hasAnswer(passageTokens: [], answerTokens: [["paris"]]))
    }

    func testTokensAgreeWithNormalize() {
        // Split at U+0020 scalars: `String.split` works on Characters, and a space followed by a combining
        // mark is one Character, so it would not split there.
        func reference(_ s: String) -> [String] {
            AnswerMetrics.normalize(s).unicodeScalars.split(separator: " ").map { String(String.UnicodeScalarView($0)) }
        }
        for s in ["The Pokémon Company", "  to a   snake. ", "An apple, THE end", "theater an_a a-b", "a’s", "\u{3000}x\u{1F}y",
                  "\u{7F}a b", "xa\u{7F}the", "The", "", "the.an", "İstanbul ÀN", "é \u{301}x"] {
            XCTAssertEqual(RetrievalMetrics.tokens(s), reference(s), s.debugDescription)
        }
        // Random strings over scalars that exercise every branch: articles, case, separators, punctuation,
        // control and non-ASCII characters.
        let pool: [String] = ["a", "n", "t", "h", "e", "A", "T", "H", "E", "x", "1", " ", "\t", "\u{1F}", "\u{7F}", "\u{0}",
                              ".", "-", "_", "'", "é", "e\u{301}", "’", "İ", "ß", "\u{3000}", "\u{85}", "\u{A0}", "٣"]
        let rng = RNG(seed: 5)
        for _ in 0..<3000 {
            let s = (0..<Int(rng.next() % 14)).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }.joined()
            XCTAssertEqual(RetrievalMetrics.tokens(s), reference(s), s.debugDescription)
        }
    }

    func testAnswerRecallAtOneAndTwo() throws {
        let retrieved = [
            ["Paris is a city.", "The Eiffel Tower is tall."],   // hit only at rank 2
            ["It opened in 1889.", "Nothing here."],             // hit at rank 1
            ["Towering trees.", "A bridge."],                    // never: "tower" is not a whole token
        ]
        let answers = [["Eiffel Tower"], ["eighteen eighty-nine", "1889"], ["tower"]]
        let at1 = try RetrievalMetrics.answerRecall(retrieved: retrieved, answers: answers, k: 1)
        XCTAssertEqual(at1.hits, [false, true, false])
        XCTAssertEqual(at1.percent, 100.0 / 3, accuracy: 1e-12)
        let at2 = try RetrievalMetrics.answerRecall(retrieved: retrieved, answers: answers, k: 2)
        XCTAssertEqual(at2.hits, [true, true, false])
        XCTAssertEqual(at2.percent, 200.0 / 3, accuracy: 1e-12)
        let at5 = try RetrievalMetrics.answerRecall(retrieved: retrieved, answers: answers, k: 5)  // fewer than k: use all
        XCTAssertEqual(at5.hits, at2.hits)
        // A question without a usable answer is a miss, not an error.
        XCTAssertEqual(try RetrievalMetrics.answerRecall(retrieved: [["the end"]], answers: [["the"]], k: 1).hits, [false])

        XCTAssertThrowsError(try RetrievalMetrics.answerRecall(retrieved: retrieved, answers: [["x"]], k: 1)) {
            guard case TrainError.data = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RetrievalMetrics.answerRecall(retrieved: [], answers: [], k: 1))
        XCTAssertThrowsError(try RetrievalMetrics.answerRecall(retrieved: retrieved, answers: answers, k: 0)) {
            guard case TrainError.config = $0 else { return XCTFail("\($0)") }
        }
    }

    func testGoldRecallAtOneAndTwo() throws {
        let retrieved = [[3, 1], [7, 8], [2, 9]]
        let gold: [Set<Int>] = [[1, 4], [7], [5]]
        let at1 = try RetrievalMetrics.goldRecall(retrieved: retrieved, gold: gold, k: 1)
        XCTAssertEqual(at1.hits, [false, true, false])
        XCTAssertEqual(at1.percent, 100.0 / 3, accuracy: 1e-12)
        let at2 = try RetrievalMetrics.goldRecall(retrieved: retrieved, gold: gold, k: 2)
        XCTAssertEqual(at2.hits, [true, true, false])
        XCTAssertEqual(at2.percent, 200.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try RetrievalMetrics.goldRecall(retrieved: [[1]], gold: [[1]], k: 3).percent, 100)

        XCTAssertThrowsError(try RetrievalMetrics.goldRecall(retrieved: retrieved, gold: [[1]], k: 1)) {
            guard case TrainError.data = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RetrievalMetrics.goldRecall(retrieved: [], gold: [], k: 1))
        XCTAssertThrowsError(try RetrievalMetrics.goldRecall(retrieved: retrieved, gold: gold, k: 0)) {
            guard case TrainError.config = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RetrievalMetrics.goldRecall(retrieved: retrieved, gold: [[1], [], [5]], k: 2)) {
            guard case TrainError.data(let m) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("question 1"), m)
        }
    }

    func testBootstrapDegenerateCases() throws {
        let a = [0, 1, 1, 0.5, 0.25]
        let same = try Bootstrap.pairedDifference(a, a)
        XCTAssertEqual(same.difference, 0); XCTAssertEqual(same.low, 0); XCTAssertEqual(same.high, 0)

        let shifted = try Bootstrap.pairedDifference([0, 1, 2, 3], [1, 2, 3, 4], samples: 500, seed: 7)
        XCTAssertEqual(shifted.difference, 1); XCTAssertEqual(shifted.low, 1); XCTAssertEqual(shifted.high, 1)

        // One question: every replicate is that question, so the interval is its difference.
        let single = try Bootstrap.pairedDifference([0.25], [1], samples: 3)
        XCTAssertEqual(single.difference, 0.75); XCTAssertEqual(single.low, 0.75); XCTAssertEqual(single.high, 0.75)
    }

    func testBootstrapHandCheckableTwoQuestions() throws {
        // d = [0, 1]: a replicate mean is 0, 0.5 or 1 with probabilities 1/4, 1/2, 1/4, so with 10,000
        // replicates about 2,500 are 0 and 2,500 are 1: rank 250 is 0 and rank 9,750 is 1.
        let r = try Bootstrap.pairedDifference([0, 0], [0, 1])
        XCTAssertEqual(r.difference, 0.5); XCTAssertEqual(r.low, 0); XCTAssertEqual(r.high, 1)
        // At 40% confidence the bounds are the 30th and 70th percentiles: both 0.5 (the middle half).
        let narrow = try Bootstrap.pairedDifference([0, 0], [0, 1], confidence: 0.4)
        XCTAssertEqual(narrow.low, 0.5); XCTAssertEqual(narrow.high, 0.5)
    }

    func testBootstrapIsReproducibleAndCoversTheTrueDifference() throws {
        // 2,000 questions: system a hits with probability 0.4, system b with 0.5 (true difference 0.1).
        let rng = RNG(seed: 3)
        let a = (0..<2000).map { _ in rng.bernoulli(0.4) ? 1.0 : 0.0 }
        let b = (0..<2000).map { _ in rng.bernoulli(0.5) ? 1.0 : 0.0 }
        let first = try Bootstrap.pairedDifference(a, b, seed: 11)
        let second = try Bootstrap.pairedDifference(a, b, seed: 11)
        XCTAssertEqual(first.difference, second.difference)
        XCTAssertEqual(first.low, second.low)
        XCTAssertEqual(first.high, second.high)
        XCTAssertEqual(first.difference, b.reduce(0, +) / 2000 - a.reduce(0, +) / 2000, accuracy: 1e-12)
        XCTAssertLessThan(first.low, first.difference)
        XCTAssertGreaterThan(first.high, first.difference)
        XCTAssertLessThan(first.low, 0.1)
        XCTAssertGreaterThan(first.high, 0.1)
        // Standard error ≈ sqrt((0.24 + 0.25) / 2000) ≈ 0.0157, so a 95% interval is about 0.06 wide.
        XCTAssertEqual(first.high - first.low, 0.0614, accuracy: 0.015)
        let other = try Bootstrap.pairedDifference(a, b, seed: 12)
        XCTAssertNotEqual([first.low, first.high], [other.low, other.high])
    }

    func testBootstrapRejectsBadInput() {
        XCTAssertThrowsError(try Bootstrap.pairedDifference([], [])) {
            guard case TrainError.data = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Bootstrap.pairedDifference([1, 2], [1]))
        XCTAssertThrowsError(try Bootstrap.pairedDifference([1], [.nan]))
        XCTAssertThrowsError(try Bootstrap.pairedDifference([1], [1], samples: 0)) {
            guard case TrainError.config = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Bootstrap.pairedDifference([1], [1], confidence: 0))
        XCTAssertThrowsError(try Bootstrap.pairedDifference([1], [1], confidence: 1))
    }
}
