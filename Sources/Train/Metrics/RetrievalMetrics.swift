/// Retrieval quality per question: does the top of the ranking contain an answer string (answer recall,
/// DPR's top-k accuracy), or one of the question's own passages (gold recall)? Both return the per-question
/// hits as well as the percentage, so two systems can be compared question by question (`Bootstrap`).
public enum RetrievalMetrics {
    /// The tokens of `AnswerMetrics.normalize(text)`: lower-cased, ASCII punctuation and the articles
    /// a/an/the dropped, split on whitespace. Empty when nothing survives. Always equal to splitting
    /// `AnswerMetrics.normalize(text)` at its U+0020 scalars (not with `String.split`, which works on
    /// Characters and keeps a space followed by a combining mark together), but built in one pass with the
    /// same character classes: over 10x faster, which matters at tens of thousands of passages.
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var token: [UInt8] = []   // UTF-8 of the token being built
        var wordStart: Int?       // where the current run of word characters begins in `token`
        for c in text.lowercased().unicodeScalars where !AnswerMetrics.isASCIIPunctuation(c) {
            if isWord(c) {
                if wordStart == nil { wordStart = token.count }
                append(c, to: &token)
                continue
            }
            if let start = wordStart, isArticle(token[start...]) {   // normalize turns it into a space
                token.removeSubrange(start...)
                emit(&token, into: &out)
            }
            wordStart = nil
            if isWhitespace(c) { emit(&token, into: &out) } else { append(c, to: &token) }
        }
        if let start = wordStart, isArticle(token[start...]) { token.removeSubrange(start...) }
        emit(&token, into: &out)
        return out
    }

    /// True when some answer, normalised and tokenised like the passage, is non-empty and occurs as a
    /// contiguous run of whole passage tokens ("tower" is not found in "towering"). An answer that
    /// normalises to nothing (only articles or punctuation) never matches.
    public static func hasAnswer(_ passage: String, answers: [String]) -> Bool {
        hasAnswer(passageTokens: tokens(passage), answerTokens: answers.map(tokens))
    }

    /// `hasAnswer` on pre-tokenised text (each side from `tokens(_:)`), so a passage checked against many
    /// questions, or a question checked against many passages, is normalised once. Tokens are compared
    /// scalar by scalar (UTF-8 bytes), like `AnswerMetrics.exactMatch`, not by canonical equivalence.
    public static func hasAnswer(passageTokens: [String], answerTokens: [[String]]) -> Bool {
        answerTokens.contains { !$0.isEmpty && contains(passageTokens, run: $0) }
    }

    /// Answer recall at k: question `q` hits when any of `retrieved[q].prefix(k)` (passage texts, best
    /// first) `hasAnswer` for `answers[q]`; `percent = 100 · hits / questions`. A question with fewer than
    /// k passages uses those it has; a question without a usable answer is a miss. Shapes: `retrieved`
    /// and `answers` have one entry per question, in the same order; `hits.count == retrieved.count`.
    public static func answerRecall(retrieved: [[String]], answers: [[String]], k: Int) throws -> (percent: Double, hits: [Bool]) {
        try answerRecall(retrieved: retrieved, answers: answers, ks: [k])[0]
    }

    /// `answerRecall` at each of `ks`, with every passage normalised once: per question the rank of its first
    /// passage with an answer (within the largest k) decides all of them.
    public static func answerRecall(retrieved: [[String]], answers: [[String]], ks: [Int]) throws -> [(percent: Double, hits: [Bool])] {
        for k in ks { try check(retrieved.count, answers.count, k, what: "answer sets") }
        let depth = ks.max() ?? 0
        let firstHit = zip(retrieved, answers).map { passages, golds -> Int? in
            let answerTokens = golds.map(tokens).filter { !$0.isEmpty }
            guard !answerTokens.isEmpty else { return nil }
            return passages.prefix(depth).firstIndex { hasAnswer(passageTokens: tokens($0), answerTokens: answerTokens) }
        }
        return ks.map { k in
            let hits = firstHit.map { $0.map { $0 < k } ?? false }
            return (percent(hits), hits)
        }
    }

    /// Gold recall at k: question `q` hits when any of `retrieved[q].prefix(k)` (passage ids, best first)
    /// is in `gold[q]`, the ids of the passages cut from the question's own paragraph;
    /// `percent = 100 · hits / questions`. Every gold set must be non-empty (else recall is undefined:
    /// the error names the question's index). Shapes as in `answerRecall`.
    public static func goldRecall(retrieved: [[Int]], gold: [Set<Int>], k: Int) throws -> (percent: Double, hits: [Bool]) {
        try check(retrieved.count, gold.count, k, what: "gold sets")
        var hits: [Bool] = []
        hits.reserveCapacity(retrieved.count)
        for (q, (ids, golds)) in zip(retrieved, gold).enumerated() {
            guard !golds.isEmpty else { throw TrainError.data("gold recall: question \(q) has no gold passage") }
            hits.append(ids.prefix(k).contains { golds.contains($0) })
        }
        return (percent(hits), hits)
    }

    /// Whether `run` (non-empty) occurs contiguously in `tokens`.
    private static func contains(_ tokens: [String], run: [String]) -> Bool {
        guard run.count <= tokens.count else { return false }
        for start in 0...(tokens.count - run.count) where same(tokens[start], run[0]) {
            var j = 1
            while j < run.count, same(tokens[start + j], run[j]) { j += 1 }
            if j == run.count { return true }
        }
        return false
    }

    /// Scalar-exact equality (String `==` would also equate canonically-equivalent spellings).
    private static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    private static func isArticle(_ w: ArraySlice<UInt8>) -> Bool {
        switch w.count {
        case 1: return w.first == UInt8(ascii: "a")
        case 2: return w.elementsEqual("an".utf8)
        case 3: return w.elementsEqual("the".utf8)
        default: return false
        }
    }

    private static func append(_ c: Unicode.Scalar, to bytes: inout [UInt8]) {
        if c.isASCII { bytes.append(UInt8(c.value)) } else { UTF8.encode(c) { bytes.append($0) } }
    }

    /// Moves a non-empty `token` to `out` and empties it.
    private static func emit(_ token: inout [UInt8], into out: inout [String]) {
        guard !token.isEmpty else { return }
        out.append(String(decoding: token, as: UTF8.self))
        token.removeAll(keepingCapacity: true)
    }

    /// `AnswerMetrics.isWordCharacter` with an ASCII shortcut (letters, digits, `_`).
    private static func isWord(_ c: Unicode.Scalar) -> Bool {
        guard c.isASCII else { return AnswerMetrics.isWordCharacter(c) }
        let v = c.value
        return (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v) || (0x30...0x39).contains(v) || v == 0x5F
    }

    /// `AnswerMetrics.isPythonWhitespace` with an ASCII shortcut (tab to carriage return, 0x1C-0x20).
    private static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        guard c.isASCII else { return AnswerMetrics.isPythonWhitespace(c) }
        let v = c.value
        return (0x09...0x0D).contains(v) || (0x1C...0x20).contains(v)
    }

    private static func percent(_ hits: [Bool]) -> Double {
        100 * Double(hits.filter { $0 }.count) / Double(hits.count)
    }

    private static func check(_ questions: Int, _ references: Int, _ k: Int, what: String) throws {
        guard questions == references, questions > 0 else {
            throw TrainError.data("retrieval recall: \(questions) result lists for \(references) \(what)")
        }
        guard k > 0 else { throw TrainError.config("k must be > 0, got \(k)") }
    }
}
