/// The retrieval seam of RAG (DESIGN.md "Dependency inversion at the RAG seam"): `Models` declares it,
/// `KB` conforms, so `Models` never imports `Index` or `KB`.
///
/// A retriever does the search part of `RagRetriever` between the question encoder and the generator
/// (transformers `retrieval_rag.py`, steps 1-3); building the generator's input strings from what it returns is
/// RAG logic (`GeneratorInput`), and tokenization stays in the RAG model, which owns the tokenizers.
public protocol Retriever: AnyObject {
    /// Top-`nDocs` documents for `questionCount` question vectors (`questionEmbeddings` is
    /// `[questionCount · d]`, row-major), best first. Row `i·nDocs + j` is question `i`'s `j`-th document.
    /// Where fewer than `nDocs` documents exist the id is −1 (see `RetrievedDocuments`); the RAG model's
    /// `MissingDocumentPolicy` decides whether that is accepted.
    func retrieve(questionEmbeddings: [Float], questionCount: Int, nDocs: Int) throws -> RetrievedDocuments
}

/// What a retriever returns for `B` questions and `nDocs` documents each (rows `i·nDocs + j`).
public struct RetrievedDocuments: Equatable, Sendable {
    public let questionCount: Int
    public let nDocs: Int
    /// Width `d` of the stored document vectors.
    public let dimension: Int
    /// `[B·nDocs]` passage ids; −1 where the index returned no document. The rule for such a row (the reference's:
    /// faiss answers −1 with score −FLT_MAX, and `datasets` then reads the last passage) is: the last passage's
    /// title and text, a zero vector.
    public let docIds: [Int]
    /// `[B·nDocs·d]` stored document vectors (zeros for −1 ids).
    public let docEmbeddings: [Float]
    /// `[B·nDocs]` scores reported by the index (informational; RAG recomputes them, transformers `RagModel.forward`).
    public let scores: [Float]
    /// `[B·nDocs]` raw titles (quotes kept) and texts.
    public let titles: [String]
    public let texts: [String]

    public init(questionCount: Int, nDocs: Int, dimension: Int, docIds: [Int], docEmbeddings: [Float],
                scores: [Float], titles: [String], texts: [String]) throws {
        let rows = questionCount * nDocs
        guard docIds.count == rows, scores.count == rows, titles.count == rows, texts.count == rows,
              docEmbeddings.count == rows * dimension else {
            throw RAGError.retrieval("retriever returned \(docIds.count) ids, \(scores.count) scores, \(titles.count) titles, \(texts.count) texts and \(docEmbeddings.count) vector values; \(questionCount) questions × \(nDocs) docs (dimension \(dimension)) need \(rows) each and \(rows * dimension) values")
        }
        self.questionCount = questionCount
        self.nDocs = nDocs
        self.dimension = dimension
        self.docIds = docIds
        self.docEmbeddings = docEmbeddings
        self.scores = scores
        self.titles = titles
        self.texts = texts
    }
}

/// What RAG does when the index returns fewer than `n_docs` documents for a question (id −1; e.g.
/// `n_docs` larger than the KB). docs/rag-parity.md §6.
public enum MissingDocumentPolicy: Equatable, Sendable {
    /// Refuse with `RAGError.retrieval` naming the question and the counts (Ragtime's default).
    case error
    /// Reproduce transformers: the last passage's title/text with a zero vector (doc score 0 in the
    /// original mode), i.e. silently duplicated documents. Only for parity experiments.
    case reference
}

public enum RAGError: Error, Equatable, CustomStringConvertible {
    case retrieval(String)
    case input(String)
    case config(String)

    public var description: String {
        switch self {
        case .retrieval(let r): return "RAG retrieval: \(r)"
        case .input(let r): return "RAG input: \(r)"
        case .config(let r): return "RAG config: \(r)"
        }
    }
}
