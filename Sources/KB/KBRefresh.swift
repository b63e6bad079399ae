import Cluster

/// The background half of the end-to-end KB refresh (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)): re-encode every passage with a
/// snapshot of the context encoder, in `shards` contiguous shards (the datasets shard rule; run one after
/// the other here, merged in shard order — the seed's filesystem order is not copied), then build a fresh
/// index. Returns a new `KnowledgeBase`; the live one is never touched, so training keeps retrieving from
/// it until the trainer installs the result at a step boundary (Train's `BackgroundRefresh` schedules this; the
/// re-encoding itself is KB logic and knows nothing of training).
///
///     let refresh = BackgroundRefresh(
///         snapshot: { (passages: kb.passages, manifest: kb.manifest, encoder: try ctxEncoderCopy()) },
///         build: { s in try KBRefresh.rebuild(passages: s.passages, manifest: s.manifest, encoder: s.encoder) },
///         install: { newKB in retriever.kb = newKB })
public enum KBRefresh {
    public static func rebuild(passages: [Passage], manifest: KBManifest, encoder: PassageEncoder, batchSize: Int = 16,
                               shards: Int = 1, index: KBIndexKind = .hnsw(), threads: Int? = nil,
                               progress: ProgressReporter? = nil, isCancelled: (() -> Bool)? = nil) throws -> KnowledgeBase {
        guard !passages.isEmpty else { throw KBError.invalidArgument("KB refresh: the knowledge base has no passages") }
        if Cluster.size > 1 {
            // Under mpirun: rank r encodes shard r of n, every rank gathers all, rank 0 builds the index
            // and sends it to the others (RankSharding.swift); `shards` applies to one process only.
            let fresh = KnowledgeBase(passages: passages, manifest: manifest)
            try fresh.encodeOnRanks(with: encoder, batchSize: batchSize, progress: progress, isCancelled: isCancelled)
            try fresh.buildIndexOnRanks(index, threads: threads)
            return fresh
        }
        let parts = try (0..<shards).map { i in
            try PassageEncoding.encode(passages, with: encoder, batchSize: batchSize, shard: try Shard(index: i, count: shards),
                                       progress: progress, isCancelled: isCancelled)
        }
        let merged = try PassageEncoding.merge(parts)
        let fresh = KnowledgeBase(passages: passages, manifest: manifest)
        try fresh.setEmbeddings(merged.embeddings, dimension: merged.dimension, fingerprint: merged.fingerprint)
        try fresh.buildIndex(index, threads: threads)
        return fresh
    }
}
