import Models

/// The KB as RAG's retriever (DESIGN.md: `Models` declares `Retriever`, `KB` conforms).
extension KnowledgeBase: Retriever {
    public func retrieve(questionEmbeddings: [Float], questionCount: Int, nDocs: Int) throws -> RetrievedDocuments {
        guard let d = dimension, questionEmbeddings.count == questionCount * d else {
            throw KBError.invalidArgument("\(questionCount) question vectors need \(questionCount) × \(dimension.map(String.init) ?? "?") values, got \(questionEmbeddings.count)")
        }
        return try retrieve(questionEmbeddings: questionEmbeddings, nDocs: nDocs)
    }
}
