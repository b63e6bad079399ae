/// RAG logic, not the retriever's: the RAG model builds these from what any `Retriever` returns.
/// The generator's input strings of transformers `retrieval_rag.py` (`RagRetriever`) (`RagRetriever.postprocess_docs`), built
/// from retrieved titles/texts and the decoded questions. Row `i·nDocs + j` pairs question `i` with
/// its `j`-th document:
/// `prefix + strip1(title) + titleSep + text + docSep + question`, then one left-to-right pass
/// replacing two spaces by one (Python `str.replace("  ", " ")`: 3 spaces → 2, 4 → 2).
/// `strip1` drops one leading `"` and then one trailing `"`.
public enum GeneratorInput {
    public static func strings(titles: [String], texts: [String], questions: [String], nDocs: Int,
                               prefix: String = "", titleSeparator: String = " / ",
                               docSeparator: String = " // ") throws -> [String] {
        guard nDocs >= 1, titles.count == questions.count * nDocs, texts.count == titles.count else {
            throw RAGError.input("generator inputs need \(questions.count) questions × \(nDocs) docs titles and texts, got \(titles.count) titles and \(texts.count) texts")
        }
        return titles.indices.map { r in
            let s = prefix + stripOneQuote(titles[r]) + titleSeparator + texts[r] + docSeparator + questions[r / nDocs]
            return collapseDoubleSpaces(s)
        }
    }

    public static func stripOneQuote(_ title: String) -> String {
        var scalars = Substring(title).unicodeScalars
        if scalars.first == "\"" { scalars = scalars.dropFirst() }
        if scalars.last == "\"" { scalars = scalars.dropLast() }
        return String(scalars)
    }

    /// Python `s.replace("  ", " ")` over code points.
    static func collapseDoubleSpaces(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == " " && i + 1 < scalars.count && scalars[i + 1] == " " {
                out.append(" ")
                i += 2
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }
}
