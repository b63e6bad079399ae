/// Answer normalisation, Exact Match and token F1 exactly as the seed (`utils_rag.py`, SQuAD v1.1 script;
/// rag-end2end-retriever `utils_rag.py` / `eval_rag.py` metrics). Works on Unicode scalars like Python `str` (so canonically-equivalent but differently
/// encoded strings are *not* equal, as in Python).
public enum AnswerMetrics {
    /// `white_space_fix(remove_articles(remove_punc(lower(s))))`: lower-case; delete every ASCII
    /// `string.punctuation` character; replace each `\b(a|an|the)\b` word (Unicode word characters:
    /// letters, numbers, `_`) by a space; split on whitespace and re-join with single spaces.
    public static func normalize(_ s: String) -> String {
        let lowered = s.lowercased().unicodeScalars.filter { !isASCIIPunctuation($0) }
        var scalars: [Unicode.Scalar] = []
        var i = lowered.startIndex
        while i < lowered.endIndex {
            guard isWordCharacter(lowered[i]) else { scalars.append(lowered[i]); i = lowered.index(after: i); continue }
            var j = i
            while j < lowered.endIndex, isWordCharacter(lowered[j]) { j = lowered.index(after: j) }
            let word = String(String.UnicodeScalarView(lowered[i..<j]))
            if word == "a" || word == "an" || word == "the" { scalars.append(" ") } else { scalars.append(contentsOf: lowered[i..<j]) }
            i = j
        }
        return tokens(of: scalars).joined(separator: " ")
    }

    /// `normalize(prediction) == normalize(gold)`, compared scalar by scalar.
    public static func exactMatch(_ prediction: String, _ gold: String) -> Bool {
        Array(normalize(prediction).unicodeScalars) == Array(normalize(gold).unicodeScalars)
    }

    /// SQuAD v1.1 token F1 of the normalised strings: 0 when no token is shared (also when both are empty).
    public static func f1(_ prediction: String, _ gold: String) -> Double {
        let p = tokens(of: Array(normalize(prediction).unicodeScalars)), g = tokens(of: Array(normalize(gold).unicodeScalars))
        var counts: [String: Int] = [:]
        for t in g { counts[t, default: 0] += 1 }
        var same = 0
        for t in p where (counts[t] ?? 0) > 0 { counts[t]! -= 1; same += 1 }
        guard same > 0 else { return 0 }
        let precision = Double(same) / Double(p.count), recall = Double(same) / Double(g.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// Max over gold answers (SQuAD's any-answer rule); 0 with no gold answer.
    public static func bestExactMatch(_ prediction: String, golds: [String]) -> Double {
        golds.contains { exactMatch(prediction, $0) } ? 1 : 0
    }

    public static func bestF1(_ prediction: String, golds: [String]) -> Double {
        golds.map { f1(prediction, $0) }.max() ?? 0
    }

    /// Python `str.split()` on scalars.
    static func tokens(of scalars: [Unicode.Scalar]) -> [String] {
        var out: [String] = [], cur = String.UnicodeScalarView()
        for c in scalars {
            if isPythonWhitespace(c) {
                if !cur.isEmpty { out.append(String(cur)); cur = String.UnicodeScalarView() }
            } else {
                cur.append(c)
            }
        }
        if !cur.isEmpty { out.append(String(cur)) }
        return out
    }

    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v)
    }

    /// Python's `\w` for `str` patterns: alphanumeric (letters L*, numbers N*) or underscore.
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Characters `str.split()` splits on: Unicode White_Space plus the ASCII separators 0x1C-0x1F.
    static func isPythonWhitespace(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || (0x1C...0x1F).contains(c.value)
    }
}
