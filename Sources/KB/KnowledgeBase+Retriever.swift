import Models

/// The KB as RAG's retriever (DESIGN.md: `Models` declares `Retriever`, `KB` conforms).
extension KnowledgeBase: Retriever {
    public func retrieve(questionEmbeddings: [Float], questionCount: Int, nDocs: Int) throws -> RetrievedDocuments {
        guard let d = dimension, questionEmbeddings.count == questionCount * d else {
            throw KBError.invalidArgument("\(questionCount) question vectors need \(questionCount) × \(dimension.map(String.init) ?? "?") values, got \(questionEmbeddings.count)")
        }
        guard nDocs >= 1, count >= 1 else {
            throw KBError.invalidArgument("retrieval needs n_docs >= 1 and a non-empty knowledge base (n_docs \(nDocs), \(count) passages)")
        }
        // The index refuses k > its size; faiss answers with id −1 (score −FLT_MAX) for the missing ranks, and
        // the reference then reads a zero vector and the last passage. Reproduce that shape here; the RAG
        // model decides (MissingDocumentPolicy) whether to accept it.
        let k = min(nDocs, count)
        let r: Retrieval = try retrieve(questionEmbeddings: questionEmbeddings, nDocs: k)
        guard k < nDocs else {
            return try RetrievedDocuments(questionCount: r.questionCount, nDocs: r.nDocs, dimension: r.dimension,
                                          docIds: r.docIds, docEmbeddings: r.docEmbeddings, scores: r.scores,
                                          titles: r.titles, texts: r.texts)
        }
        let missing = nDocs - k
        var ids: [Int] = [], vectors: [Float] = [], scores: [Float] = [], titles: [String] = [], texts: [String] = []
        for i in 0..<questionCount {
            ids += r.docIds[(i * k)..<((i + 1) * k)] + Array(repeating: -1, count: missing)
            vectors += r.docEmbeddings[(i * k * d)..<((i + 1) * k * d)] + Array(repeating: 0, count: missing * d)
            scores += r.scores[(i * k)..<((i + 1) * k)] + Array(repeating: -Float.greatestFiniteMagnitude, count: missing)
            titles += r.titles[(i * k)..<((i + 1) * k)] + Array(repeating: passages[count - 1].title, count: missing)
            texts += r.texts[(i * k)..<((i + 1) * k)] + Array(repeating: passages[count - 1].text, count: missing)
        }
        return try RetrievedDocuments(questionCount: questionCount, nDocs: nDocs, dimension: d, docIds: ids,
                                      docEmbeddings: vectors, scores: scores, titles: titles, texts: texts)
    }

    /// `GeneratorInput.strings` (transformers `retrieval_rag.py` (`RagRetriever`)).
    public func generatorInputStrings(titles: [String], texts: [String], questions: [String], nDocs: Int,
                                      prefix: String, titleSeparator: String, docSeparator: String) throws -> [String] {
        try GeneratorInput.strings(titles: titles, texts: texts, questions: questions, nDocs: nDocs, prefix: prefix,
                                   titleSeparator: titleSeparator, docSeparator: docSeparator)
    }
}
