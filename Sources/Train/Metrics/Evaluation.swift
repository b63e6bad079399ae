import Foundation

/// Corpus-level scores (rag-end2end-retriever `finetune_rag.py` validation; rag-end2end-retriever `utils_rag.py` / `eval_rag.py` metrics).
public enum Evaluation {
    /// The seed's validation EM for one batch: mean over rows of `exactMatch(pred, target line)`, in [0, 1].
    public static func exactMatch(predictions: [String], targets: [String]) throws -> Double {
        guard predictions.count == targets.count, !predictions.isEmpty else {
            throw TrainError.data("exact match: \(predictions.count) predictions for \(targets.count) targets")
        }
        return Double(zip(predictions, targets).filter { AnswerMetrics.exactMatch($0, $1) }.count) / Double(predictions.count)
    }

    /// `eval_rag.py` e2e scores: per question the max over its gold answers, reported as `100 · mean`.
    public static func squad(predictions: [String], answers: [[String]]) throws -> (exactMatch: Double, f1: Double) {
        guard predictions.count == answers.count, !predictions.isEmpty else {
            throw TrainError.data("SQuAD scores: \(predictions.count) predictions for \(answers.count) answer sets")
        }
        var em = 0.0, f1 = 0.0
        for (p, golds) in zip(predictions, answers) {
            em += AnswerMetrics.bestExactMatch(p, golds: golds)
            f1 += AnswerMetrics.bestF1(p, golds: golds)
        }
        let n = Double(predictions.count)
        return (100 * em / n, 100 * f1 / n)
    }

    /// Adds `{prefix}_squad_em` and `{prefix}_squad_f1` (`squad`) to `record`.
    public static func recordSquad(_ record: inout MetricsRecord, prefix: String, predictions: [String], answers: [[String]]) throws {
        let s = try squad(predictions: predictions, answers: answers)
        record.set("\(prefix)_squad_em", s.exactMatch)
        record.set("\(prefix)_squad_f1", s.f1)
    }

    /// `eval_rag.py --eval_mode retrieval`: `100 · mean(|set(top k retrieved) ∩ gold| / k)`.
    public static func precisionAtK<T: Hashable>(retrieved: [[T]], gold: [[T]], k: Int) throws -> Double {
        try checkRetrieval(retrieved.count, gold.count, k)
        let total = zip(retrieved, gold).reduce(0.0) { acc, pair in
            acc + Double(Set(pair.0.prefix(k)).intersection(pair.1).count) / Double(k)
        }
        return 100 * total / Double(retrieved.count)
    }

    /// `100 · mean(|set(top k) ∩ gold| / |gold|)` over questions with at least one gold passage
    /// (a question without gold is an error: its recall is undefined).
    public static func recallAtK<T: Hashable>(retrieved: [[T]], gold: [[T]], k: Int) throws -> Double {
        try checkRetrieval(retrieved.count, gold.count, k)
        var total = 0.0
        for (i, (r, g)) in zip(retrieved, gold).enumerated() {
            let goldSet = Set(g)
            guard !goldSet.isEmpty else { throw TrainError.data("recall@k: question \(i) has no gold passage") }
            total += Double(Set(r.prefix(k)).intersection(goldSet).count) / Double(goldSet.count)
        }
        return 100 * total / Double(retrieved.count)
    }

    private static func checkRetrieval(_ r: Int, _ g: Int, _ k: Int) throws {
        guard r == g, r > 0 else { throw TrainError.data("retrieval metrics: \(r) result lists for \(g) gold lists") }
        guard k > 0 else { throw TrainError.config("k must be > 0, got \(k)") }
    }

    /// Gold answers, one question per line: a JSON array of strings per line (`val.answers.jsonl`), or, for
    /// any other extension, the line itself as the single answer (`eval_rag.py --gold_data_mode ans`).
    public static func loadAnswers(_ url: URL) throws -> [[String]] {
        let lines = try Seq2SeqData.lines(url)
        guard url.pathExtension == "jsonl" else { return lines.map { [$0] } }
        return try lines.enumerated().map { i, line in
            guard let data = line.data(using: .utf8),
                  let list = try? JSONSerialization.jsonObject(with: data) as? [String] else {
                throw TrainError.data("\(url.path) line \(i + 1) is not a JSON array of strings")
            }
            return list
        }
    }
}
