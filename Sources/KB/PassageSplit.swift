/// A retrievable unit: one row of the KB (row number = index id = retrieval doc id).
public struct Passage: Equatable, Sendable, Codable {
    public var title: String
    public var text: String
    public init(title: String, text: String) {
        self.title = title
        self.text = text
    }
}

/// Passage splitting of rag-end2end-retriever `split_text` (`use_own_knowledge_dataset.py` / `kb_encode_utils.py`):
/// for each document with a non-null text, `words = text.split(" ")` (single spaces; empty strings
/// count as words), and every 100 words are joined with " " and stripped of surrounding whitespace
/// (Python `str.strip()`). Null titles become "".
public enum PassageSplitter {
    public static func split(_ documents: [RawDocument], wordsPerPassage: Int = 100) -> [Passage] {
        precondition(wordsPerPassage > 0, "wordsPerPassage must be positive")
        var out: [Passage] = []
        for doc in documents {
            guard let text = doc.text else { continue }
            let words = text.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
            var i = 0
            repeat {
                let chunk = words[i ..< min(i + wordsPerPassage, words.count)]
                var joined = String.UnicodeScalarView()
                for (j, w) in chunk.enumerated() {
                    if j > 0 { joined.append(" ") }
                    joined.append(contentsOf: w)
                }
                out.append(Passage(title: doc.title ?? "", text: pythonStrip(joined)))
                i += wordsPerPassage
            } while i < words.count
        }
        return out
    }

    /// Python's `str.isspace()` code points (what `str.strip()` removes).
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09 ... 0x0D, 0x1C ... 0x20, 0x85, 0xA0, 0x1680, 0x2000 ... 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    static func pythonStrip(_ s: String.UnicodeScalarView) -> String {
        var lo = s.startIndex, hi = s.endIndex
        while lo < hi && isPythonSpace(s[lo]) { lo = s.index(after: lo) }
        while hi > lo && isPythonSpace(s[s.index(before: hi)]) { hi = s.index(before: hi) }
        return String(String.UnicodeScalarView(s[lo ..< hi]))
    }
}
