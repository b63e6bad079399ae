import Foundation
import TestSupport
import Tokenizers
import Tensor
import Train
import XCTest

final class MetricsTests: XCTestCase {
    func testNormalizeLikeTheSeed() {
        XCTAssertEqual(AnswerMetrics.normalize("The Pokémon Company"), "pokémon company")
        XCTAssertEqual(AnswerMetrics.normalize("  to a   snake. "), "to snake")
        XCTAssertEqual(AnswerMetrics.normalize("An apple, THE end"), "apple end")
        XCTAssertEqual(AnswerMetrics.normalize("theater an_a a-b"), "theater ana ab")      // _ and - are punctuation
        XCTAssertEqual(AnswerMetrics.normalize("world's top-selling"), "worlds topselling")
        XCTAssertEqual(AnswerMetrics.normalize("a’s"), "’s")                                  // ’ is not ASCII: a word boundary
        XCTAssertEqual(AnswerMetrics.normalize("théa"), "théa")
        XCTAssertEqual(AnswerMetrics.normalize("\u{3000}x\u{1F}y"), "x y")
    }

    func testExactMatchAndF1() throws {
        XCTAssertTrue(AnswerMetrics.exactMatch("the Denver Broncos!", "Denver Broncos"))
        XCTAssertFalse(AnswerMetrics.exactMatch("Broncos", "Denver Broncos"))
        XCTAssertEqual(AnswerMetrics.f1("Denver Broncos team", "Denver Broncos"), 0.8, accuracy: 1e-12)
        XCTAssertEqual(AnswerMetrics.f1("a b b", "b b b c"), 2.0 / 3, accuracy: 1e-12)   // "a" is an article: P = 2/2, R = 2/4
        XCTAssertEqual(AnswerMetrics.f1("the", "an"), 0)   // both normalise to empty
        XCTAssertFalse(AnswerMetrics.exactMatch("caf\u{E9}", "cafe\u{301}"))  // scalar comparison, as Python
        XCTAssertEqual(try Evaluation.exactMatch(predictions: ["to a snake", "x"], targets: ["to snake", "y"]), 0.5)
        XCTAssertThrowsError(try Evaluation.exactMatch(predictions: ["a"], targets: []))
    }

    func testSQuADAnyAnswerFromAnswersFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("answers-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try "[\"Denver Broncos\", \"Denver Broncos\"]\n[\"Santa Clara, California\", \"Levi's Stadium\"]\n[\"gold\"]\n"
            .write(to: url, atomically: true, encoding: .utf8)
        let answers = try Evaluation.loadAnswers(url)
        XCTAssertEqual(answers.count, 3)
        let s = try Evaluation.squad(predictions: ["Denver Broncos", "Levi's Stadium in Santa Clara", "silver"], answers: answers)
        XCTAssertEqual(s.exactMatch, 100.0 / 3, accuracy: 1e-9)
        // F1 of question 2: best is "Levi's Stadium" → p = 2/5, r = 1 → 4/7
        XCTAssertEqual(s.f1, 100 * (1 + 4.0 / 7) / 3, accuracy: 1e-9)
        try "[\"ok\"]\nnot json\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Evaluation.loadAnswers(url)) { XCTAssertTrue("\($0)".contains("line 2")) }
    }

    func testRetrievalPrecisionAndRecall() throws {
        let retrieved = [["A", "B", "C"], ["D", "E", "F"]]
        let gold = [["B", "Z"], ["F"]]
        XCTAssertEqual(try Evaluation.precisionAtK(retrieved: retrieved, gold: gold, k: 2), 100 * (0.5 + 0) / 2)
        XCTAssertEqual(try Evaluation.precisionAtK(retrieved: retrieved, gold: gold, k: 3), 100 * (1.0 / 3 + 1.0 / 3) / 2, accuracy: 1e-9)
        XCTAssertEqual(try Evaluation.recallAtK(retrieved: retrieved, gold: gold, k: 3), 100 * (0.5 + 1) / 2)
        XCTAssertThrowsError(try Evaluation.recallAtK(retrieved: retrieved, gold: [["B"], []], k: 1))
    }
}

final class ValidationAccumulatorTests: XCTestCase {
    func testSeedAggregationAndDecoding() throws {
        var acc = ValidationAccumulator(prefix: "val")
        try acc.add(loss: 10, predictions: ["to a snake", "x"], targets: ["to snake", "y"], seconds: 1, generatedLength: 6)
        try acc.add(loss: 20, predictions: ["z"], targets: ["z"], seconds: 3, generatedLength: 4)
        let r = try acc.record()
        XCTAssertEqual(r.entries.map(\.name), ["val_avg_loss", "val_avg_em", "val_avg_gen_time", "val_avg_gen_len"])
        XCTAssertEqual(r.entries.map(\.value), [15, 0.75, 1.75, 5])   // EM is a mean of batch means: (0.5 + 1) / 2
        XCTAssertThrowsError(try ValidationAccumulator().record())

        let bart = try Tokenizer.load(from: RepoPaths.url("test_dir/fixtures/rag/tokenizers/bart"))
        let ids = try IntTensor(shape: [2, 5], scalars: [0, 342, 268, 348, 2, 0, 334, 2, 1, 1])
        let texts = try ValidationAccumulator.decode(ids, tokenizer: bart)
        XCTAssertEqual(texts.count, 2)
        XCTAssertEqual(texts[0], "to a snake")
        XCTAssertFalse(texts[1].hasPrefix(" ") || texts[1].hasSuffix(" "))
    }
}
