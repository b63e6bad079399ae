import Foundation
import KB
import Models
import Tensor
import Train

/// Per-question scores of the SQuAD experiment and their comparison (`train.retrieval`, `train.squad`,
/// `train.bootstrap`): retrieval quality of a RAG handle's question encoder and current KB (answer recall
/// at k = DPR's top-k accuracy, gold recall = one of the question's own passages in the top k), SQuAD EM /
/// F1 of predictions, and a paired bootstrap interval of a difference between two systems.
///
///     m = train.retrieval(r, questions, answers, gold: gold_ids, ks: [1, 5, 20], gold_k: 5)
///     m["answer_recall_at_5"]; m["answer_hits_at_5"]          # percent; per question 0/1
///     s = train.squad(predictions, answers)                   # {exact_match, f1, seed_em, em, f1s, seed_ems}
///     train.bootstrap(s_original["em"], s_end2end["em"])      # {difference, low, high} (b - a)
extension TrainBuiltins {
    static var metricsBuiltins: [Builtin] {
        [
            Builtin("retrieval", [Param("r"), Param("questions"), Param("answers"), Param("kb", default: .null), Param("gold", default: .null),
                                  Param("ks", default: .list([.int(1), .int(5), .int(20)])), Param("gold_k", default: .int(5)),
                                  Param("batch", default: .int(64))],
                    "retrieval(r, questions, answers, kb: nil, gold: nil, ks: [1, 5, 20], gold_k: 5, batch: 64) -> Dict: retrieval of r's question encoder (eval mode) over r's current KB (or of a question encoder r over kb:): answer_recall_at_{k} (percent of questions with a passage containing a gold answer, SQuAD-normalised whole tokens, in the top k) and, with gold (per question a List of its own passage ids), gold_recall_at_{gold_k}; per question answer_hits_at_{k} / gold_hits_at_{gold_k} (0/1 Lists) and doc_ids (top max(ks))") { args in
                try retrieval(args)
            },
            Builtin("squad", [Param("predictions"), Param("answers")],
                    "squad(predictions, answers) -> Dict: SQuAD EM and F1 (x100, best over each question's answers: a List of Strings per question), the seed's EM against the first answer (seed_em), and per question em / f1s / seed_ems") { args in
                let predictions = try ModelSupport.strings(args, "predictions")
                let answers = try answerLists(args, "answers")
                guard predictions.count == answers.count, !predictions.isEmpty else {
                    throw RuntimeError("\(args.function): \(predictions.count) predictions for \(answers.count) answer lists")
                }
                let em = zip(predictions, answers).map { AnswerMetrics.bestExactMatch($0, golds: $1) }
                let f1 = zip(predictions, answers).map { AnswerMetrics.bestF1($0, golds: $1) }
                let seed = zip(predictions, answers).map { p, a in a.first.map { AnswerMetrics.exactMatch(p, $0) ? 1.0 : 0.0 } ?? 0 }
                func mean(_ xs: [Double]) -> Double { 100 * xs.reduce(0, +) / Double(xs.count) }
                return .dict(DictRef([
                    ("exact_match", .float(mean(em))), ("f1", .float(mean(f1))), ("seed_em", .float(mean(seed))),
                    ("em", .list(em.map { .float($0) })), ("f1s", .list(f1.map { .float($0) })), ("seed_ems", .list(seed.map { .float($0) })),
                ]))
            },
            Builtin("bootstrap", [Param("a"), Param("b"), Param("samples", default: .int(10_000)), Param("seed", default: .int(0)),
                                  Param("confidence", default: .float(0.95))],
                    "bootstrap(a, b, samples: 10000, seed: 0, confidence: 0.95) -> Dict {difference, low, high}: mean(b) - mean(a) over paired per-question scores and its percentile bootstrap interval (questions resampled with replacement, the same draws for both)") { args in
                let a = try numbers(args, "a"), b = try numbers(args, "b")
                let samples = try args.int("samples"), seed = try args.int("seed")
                guard seed >= 0 else { throw RuntimeError("\(args.function): seed must be >= 0, got \(seed)") }
                guard (1...1_000_000).contains(samples) else { throw RuntimeError("\(args.function): samples must be in 1...1000000, got \(samples)") }
                let r = try KBBuiltins.wrap(args.function) {
                    try Bootstrap.pairedDifference(a, b, samples: samples, seed: UInt64(seed), confidence: try args.double("confidence"))
                }
                return .dict(DictRef([("difference", .float(r.difference)), ("low", .float(r.low)), ("high", .float(r.high))]))
            },
            Builtin("plot", [Param("path"), Param("panels")],
                    "plot(path, panels): write an SVG of line charts, one panel per Dict {title, x_label: \"step\", series: [{name, x: List, y: List}]}, atomically") { args in
                let panels = try args.list("panels").enumerated().map { i, v -> SVGPlot.Panel in
                    guard case .dict(let d) = v, case .string(let title)? = d["title"], case .list(let series)? = d["series"] else {
                        throw RuntimeError("\(args.function): panels[\(i)] must be a Dict with title and series")
                    }
                    var xLabel = "step"
                    if case .string(let l)? = d["x_label"] { xLabel = l }
                    return SVGPlot.Panel(title: title, xLabel: xLabel, series: try series.items.enumerated().map { j, sv in
                        guard case .dict(let sd) = sv, case .string(let name)? = sd["name"], case .list(let xs)? = sd["x"],
                              case .list(let ys)? = sd["y"], xs.items.count == ys.items.count else {
                            throw RuntimeError("\(args.function): panels[\(i)].series[\(j)] must be {name, x, y} with lists of equal length")
                        }
                        func number(_ v: Value) throws -> Double {
                            switch v {
                            case .int(let n): return Double(n)
                            case .float(let x) where x.isFinite: return x
                            default: throw RuntimeError("\(args.function): panels[\(i)].series[\(j)] holds \(args.interpreter.display(v)), not a finite number")
                            }
                        }
                        return SVGPlot.Series(name: name, points: try zip(xs.items, ys.items).map { (x: try number($0), y: try number($1)) })
                    })
                }
                let path = try args.string("path")
                try KBBuiltins.wrap(args.function) { try SVGPlot.write(panels, to: URL(fileURLWithPath: path)) }
                return .null
            }.writingOnRankZero(),
        ]
    }

    static func retrieval(_ args: CallArgs) throws -> Value {
        // The question encoder (with its tokenizer) and the KB: a RAG handle's, or an encoder and `kb:`.
        let encoderBox: EncoderBox, knowledge: KnowledgeBase
        if case .handle(let o) = args.value("r"), let rag = o as? RagBox {
            guard args.isNull("kb") else { throw RuntimeError("\(args.function): kb: is for a question encoder; a RAG handle retrieves from its own KB") }
            (encoderBox, knowledge) = (rag.questionEncoder, try rag.kb)
        } else if case .handle(let o) = args.value("r"), let q = o as? EncoderBox {
            guard case .handle(let k) = args.value("kb"), let kb = k as? KnowledgeBase else {
                throw RuntimeError("\(args.function): with a question encoder, pass kb: an encoded, indexed KB")
            }
            (encoderBox, knowledge) = (q, kb)
        } else {
            throw RuntimeError("\(args.function): r must be a RAG handle or a DPREncoder, got \(args.value("r").typeName)")
        }
        let questions = try ModelSupport.strings(args, "questions")
        let answers = try answerLists(args, "answers")
        guard answers.count == questions.count, !questions.isEmpty else {
            throw RuntimeError("\(args.function): \(questions.count) questions but \(answers.count) answer lists")
        }
        var gold: [Set<Int>]?
        if !args.isNull("gold") {
            gold = try args.list("gold").enumerated().map { i, v in
                guard case .list(let ids) = v else { throw RuntimeError("\(args.function): gold[\(i)] must be a List of passage ids") }
                return Set(try ids.items.map { id -> Int in
                    guard case .int(let n) = id, (0..<knowledge.count).contains(n) else {
                        throw RuntimeError("\(args.function): gold[\(i)] holds \(args.interpreter.display(id)), not a passage id in 0..<\(knowledge.count)")
                    }
                    return n
                })
            }
            guard gold!.count == questions.count else { throw RuntimeError("\(args.function): \(questions.count) questions but \(gold!.count) gold lists") }
        }
        let ks = try args.list("ks").map { v -> Int in
            guard case .int(let k) = v, k >= 1 else { throw RuntimeError("\(args.function): ks must be positive Ints, got \(args.interpreter.display(v))") }
            return k
        }
        let goldK = try args.int("gold_k"), batch = try args.int("batch")
        guard !ks.isEmpty, goldK >= 1, batch >= 1 else { throw RuntimeError("\(args.function): ks must not be empty; gold_k and batch must be >= 1") }
        let depth = max(ks.max()!, gold == nil ? 1 : goldK)
        guard depth <= knowledge.count else { throw RuntimeError("\(args.function): k \(depth) exceeds the KB's \(knowledge.count) passages") }
        let encoder = encoderBox.encoder, tok = try encoderBox.requireTokenizer(args.function)
        let wasTraining = encoder.isTraining
        encoder.eval()
        defer { if wasTraining { encoder.train() } }
        let limit = min(tok.modelMaxLength ?? encoder.config.maxPositionEmbeddings, encoder.config.maxPositionEmbeddings)
        var ids: [[Int]] = [], texts: [[String]] = []
        try KBBuiltins.wrap(args.function) {
            try Tensor.withNoGrad {
                for start in stride(from: 0, to: questions.count, by: batch) {
                    try args.checkInterrupt()
                    let chunk = Array(questions[start..<min(start + batch, questions.count)])
                    let (qIds, mask) = try ModelSupport.batch(tok, chunk, limit: limit)
                    let pooled = try encoder.pooled(inputIds: qIds, attentionMask: mask)
                    let docs: RetrievedDocuments = try knowledge.retrieve(questionEmbeddings: pooled.scalars, nDocs: depth)
                    for q in 0..<docs.questionCount {
                        let rows = (q * docs.nDocs)..<((q + 1) * docs.nDocs)
                        ids.append(rows.map { docs.docIds[$0] })
                        texts.append(rows.map { docs.texts[$0] })
                    }
                }
            }
        }
        var out: [(String, Value)] = []
        func hits(_ h: [Bool]) -> Value { .list(h.map { .int($0 ? 1 : 0) }) }
        let recalls = try KBBuiltins.wrap(args.function) { try RetrievalMetrics.answerRecall(retrieved: texts, answers: answers, ks: ks) }
        for (k, r) in zip(ks, recalls) {
            out.append(("answer_recall_at_\(k)", .float(r.percent)))
            out.append(("answer_hits_at_\(k)", hits(r.hits)))
        }
        if let gold {
            let r = try KBBuiltins.wrap(args.function) { try RetrievalMetrics.goldRecall(retrieved: ids, gold: gold, k: goldK) }
            out.append(("gold_recall_at_\(goldK)", .float(r.percent)))
            out.append(("gold_hits_at_\(goldK)", hits(r.hits)))
        }
        out.append(("doc_ids", .list(ids.map { .list($0.map { .int($0) }) })))
        return .dict(DictRef(out))
    }

    /// Per question a List of acceptable answers (a single String is one answer).
    static func answerLists(_ args: CallArgs, _ name: String) throws -> [[String]] {
        try args.list(name).enumerated().map { i, v in
            switch v {
            case .string(let s): return [s]
            case .list(let items):
                return try items.items.map { item in
                    guard case .string(let s) = item else { throw RuntimeError("\(args.function): \(name)[\(i)] must hold Strings, got \(item.typeName)") }
                    return s
                }
            default: throw RuntimeError("\(args.function): \(name)[\(i)] must be a String or a List of Strings, got \(v.typeName)")
            }
        }
    }

    static func numbers(_ args: CallArgs, _ name: String) throws -> [Double] {
        try args.list(name).enumerated().map { i, v in
            switch v {
            case .int(let n): return Double(n)
            case .float(let x): return x
            case .bool(let b): return b ? 1 : 0
            default: throw RuntimeError("\(args.function): \(name)[\(i)] must be a number, got \(v.typeName)")
            }
        }
    }
}
