import Models

/// The KB as RAG's retriever (DESIGN.md: `Models` declares `Retriever`, `KB` conforms).
extension KnowledgeBase: Retriever {
    public func retrieve(questionEmbeddings: [Float], questionCount: Int, nDocs: Int) throws -> RetrievedDocuments {
        guard let d = dimension, questionEmbeddings.count == questionCount * d else {
            throw KBError.invalidArgument("\(questionCount) question vectors need \(questionCount) × \(dimension.map(String.init) ?? "?") values, got \(questionEmbeddings.count)")
        }
        let r: Retrieval = try retrieve(questionEmbeddings: questionEmbeddings, nDocs: nDocs)
        return try RetrievedDocuments(questionCount: r.questionCount, nDocs: r.nDocs, dimension: r.dimension,
                                      docIds: r.docIds, docEmbeddings: r.docEmbeddings, scores: r.scores,
                                      titles: r.titles, texts: r.texts)
    }

    /// `GeneratorInput.strings` (rag-spec.md §3.3 step 5).
    public func generatorInputStrings(titles: [String], texts: [String], questions: [String], nDocs: Int,
                                      prefix: String, titleSeparator: String, docSeparator: String) throws -> [String] {
        try GeneratorInput.strings(titles: titles, texts: texts, questions: questions, nDocs: nDocs, prefix: prefix,
                                   titleSeparator: titleSeparator, docSeparator: docSeparator)
    }
}
