import Foundation
import Index
import Models

/// Index kinds a KB builds over its embeddings (always inner product, as DPR retrieval is).
public enum KBIndexKind: Equatable, Sendable {
    case flat
    /// faiss `IndexHNSWFlat(d, m, METRIC_INNER_PRODUCT)`; the seed uses m 128, efConstruction 40, efSearch 16.
    case hnsw(m: Int = 128, efConstruction: Int = 40, efSearch: Int = 16)
}

/// A knowledge base: passages, their embeddings and an index (DESIGN.md "Files and formats").
///
///     let kb = try KnowledgeBase.fromRaw(RepoPaths.url("test_dir/dummy-kb/my_knowledge_dataset.csv"))
///     try kb.encode(with: ctxEncoder, batchSize: 16, progress: reporter)
///     try kb.buildIndex(.hnsw(m: 128))
///     try kb.save(to: folder)                     // passages.tsv, embeddings.safetensors, index.faiss, kb.json
///     let r = try kb.retrieve(questionEmbeddings: q, nDocs: 5)
public final class KnowledgeBase {
    public private(set) var passages: [Passage]
    /// `[count * dimension]`, nil until encoded.
    public private(set) var embeddings: [Float]?
    public private(set) var index: (any VectorIndex)?
    public private(set) var manifest: KBManifest

    public var count: Int { passages.count }
    public var dimension: Int? { manifest.encoder?.dimension }

    public init(passages: [Passage], manifest: KBManifest) {
        self.passages = passages
        self.manifest = manifest
    }

    /// Reads a raw KB (CSV/TSV/JSONL) and splits it into passages (rag-end2end-retriever `use_own_knowledge_dataset.py` (raw CSV), rag-end2end-retriever `split_text`); a file that yields no passage
    /// (empty, or every row skipped) is an error, not an empty KB.
    public static func fromRaw(_ url: URL, format: RawFormat? = nil, wordsPerPassage: Int = 100,
                               skipMalformed: Bool = false, log: ((String) -> Void)? = nil) throws -> KnowledgeBase {
        guard wordsPerPassage >= 1 else { throw KBError.invalidArgument("words per passage must be positive, got \(wordsPerPassage)") }
        let f = format ?? RawFormat.guess(from: url)
        let read = try RawKB.read(url, format: f, skipMalformed: skipMalformed, log: log)
        let passages = PassageSplitter.split(read.documents, wordsPerPassage: wordsPerPassage)
        guard !passages.isEmpty else {
            let skipped = read.skipped.isEmpty ? "" : " (\(read.skipped.count) malformed rows skipped)"
            throw KBError.corrupt(path: url.path, message: "no passages: the file has no documents with text\(skipped)")
        }
        let manifest = KBManifest(source: url.path, sourceFormat: f, documents: read.documents.count,
                                  skippedRows: read.skipped.count, wordsPerPassage: wordsPerPassage,
                                  passages: passages.count)
        return KnowledgeBase(passages: passages, manifest: manifest)
    }

    /// Encodes every passage (one process); drops any previous index.
    public func encode(with encoder: PassageEncoder, batchSize: Int = 16, progress: ProgressReporter? = nil,
                       isCancelled: (() -> Bool)? = nil) throws {
        let shard = try PassageEncoding.encode(passages, with: encoder, batchSize: batchSize, progress: progress,
                                               isCancelled: isCancelled)
        try setEmbeddings(shard.embeddings, dimension: shard.dimension, fingerprint: shard.fingerprint)
    }

    /// Installs embeddings produced elsewhere (e.g. merged shards); drops any previous index.
    public func setEmbeddings(_ values: [Float], dimension: Int, fingerprint: String) throws {
        guard dimension >= 1, values.count == passages.count * dimension else {
            throw KBError.invalidArgument("embeddings hold \(values.count) values; \(passages.count) passages × dimension \(dimension) need \(passages.count * dimension)")
        }
        embeddings = values
        manifest.encoder = KBManifest.EncoderInfo(fingerprint: fingerprint, dimension: dimension)
        index = nil
        manifest.index = nil
    }

    /// True when the embeddings were not produced by `encoder`'s weights (or do not exist).
    public func isStale(for encoder: PassageEncoder) -> Bool {
        manifest.encoder?.fingerprint != encoder.fingerprint || manifest.encoder?.dimension != encoder.dimension
    }

    /// Builds the index over the embeddings (batch add uses all cores).
    public func buildIndex(_ kind: KBIndexKind = .hnsw(), threads: Int? = nil) throws {
        guard let embeddings, let d = dimension else {
            throw KBError.notEncoded("the knowledge base has no embeddings: encode it before building an index")
        }
        switch kind {
        case .flat:
            let flat = try FlatIndex(dimension: d, metric: .innerProduct)
            try flat.add(embeddings)
            index = flat
            manifest.index = KBManifest.IndexInfo(kind: "flat", m: nil, efConstruction: nil, efSearch: nil)
        case .hnsw(let m, let efC, let efS):
            let hnsw = try HNSWIndex(dimension: d, m: m, metric: .innerProduct, efConstruction: efC, efSearch: efS)
            if let threads { hnsw.addThreads = threads }
            try hnsw.add(embeddings)
            index = hnsw
            manifest.index = KBManifest.IndexInfo(kind: "hnsw", m: m, efConstruction: efC, efSearch: efS)
        }
    }

    /// Installs an index built elsewhere from these embeddings (another rank's, `buildIndexOnRanks`).
    func installIndex(_ built: any VectorIndex, kind: KBIndexKind) throws {
        guard let d = dimension, built.dimension == d, built.count == count else {
            throw KBError.invalidArgument("a received index of \(built.count) vectors of dimension \(built.dimension) does not fit this KB (\(count) passages, dimension \(dimension ?? 0))")
        }
        index = built
        switch kind {
        case .flat: manifest.index = KBManifest.IndexInfo(kind: "flat", m: nil, efConstruction: nil, efSearch: nil)
        case .hnsw(let m, let efC, let efS): manifest.index = KBManifest.IndexInfo(kind: "hnsw", m: m, efConstruction: efC, efSearch: efS)
        }
    }

    /// Top-`nDocs` passages per question (`questionEmbeddings` is `[B * d]`), as `RetrievedDocuments`. With fewer than
    /// `nDocs` passages the index is asked for all of them and each question's row is padded as faiss answers
    /// (id −1, score −FLT_MAX); every −1 row gets the last passage and a zero vector, the one place that rule lives.
    public func retrieve(questionEmbeddings: [Float], nDocs: Int) throws -> RetrievedDocuments {
        guard let index, let embeddings, let d = dimension else {
            throw KBError.notEncoded("the knowledge base has no index: encode it and build an index before retrieving")
        }
        guard nDocs >= 1, count >= 1 else {
            throw KBError.invalidArgument("retrieval needs n_docs >= 1 and a non-empty knowledge base (n_docs \(nDocs), \(count) passages)")
        }
        let k = min(nDocs, count), missing = nDocs - k
        let r = try index.search(questionEmbeddings, k: k)
        var ids: [Int] = [], scores: [Float] = []
        ids.reserveCapacity(r.queryCount * nDocs)
        scores.reserveCapacity(r.queryCount * nDocs)
        for q in 0..<r.queryCount {
            ids += r.ids[(q * k)..<((q + 1) * k)] + repeatElement(-1, count: missing)
            scores += r.scores[(q * k)..<((q + 1) * k)] + repeatElement(-Float.greatestFiniteMagnitude, count: missing)
        }
        var docEmbeddings = [Float](repeating: 0, count: ids.count * d)
        var titles: [String] = [], texts: [String] = []
        titles.reserveCapacity(ids.count)
        texts.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() {
            let p = passages[id >= 0 ? id : count - 1]
            titles.append(p.title)
            texts.append(p.text)
            if id >= 0 { docEmbeddings.replaceSubrange(row * d ..< (row + 1) * d, with: embeddings[id * d ..< (id + 1) * d]) }
        }
        return try RetrievedDocuments(questionCount: r.queryCount, nDocs: nDocs, dimension: d, docIds: ids,
                                      docEmbeddings: docEmbeddings, scores: scores, titles: titles, texts: texts)
    }

    /// Installs a loaded state (used by `load`).
    func restore(embeddings: [Float]?, index: (any VectorIndex)?) {
        self.embeddings = embeddings
        self.index = index
    }
}
