import Cluster
import Foundation
import KB
import Models
import Tokenizers

/// The end-to-end KB refresh of a RAG model (rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)): snapshot the context encoder being trained
/// (a deep copy in eval mode), re-encode every passage of the model's knowledge base with it in
/// `indexShards` contiguous shards, build a fresh HNSW index, and install the new KB as the model's
/// retriever — one assignment on the training thread between steps, so retrieval sees either the old KB
/// or the new one, never a mix. The live KB is never modified (a failed build leaves it in use).
///
///     let r = try RagKBRefresh(model: rag, options: o)
///     trainer.refresh = r.driver()          // background (the seed) or synchronous, per options.refreshMode
///     let kb = try r.refreshNow()           // r.refresh_kb() in a hand-written loop
public final class RagKBRefresh {
    public let model: RagForGeneration
    public let shards: Int
    public let batchSize: Int
    public let index: KBIndexKind
    public let mode: RagFineTuneOptions.RefreshMode
    /// Called after a new KB was installed (e.g. to update the language handle's KB).
    public var onInstall: ((KnowledgeBase) -> Void)?
    private var count = 0

    /// What the background build gets: plain values and a private copy of the encoder.
    public struct Snapshot {
        public let passages: [Passage]
        public let manifest: KBManifest
        public let encoder: DPREncoder
        public let tokenizer: Tokenizer
        public let tag: String
    }

    public init(model: RagForGeneration, options: RagFineTuneOptions) throws {
        guard model.contextEncoder != nil, model.contextTokenizer != nil else {
            throw TrainError.config("KB refresh needs a context encoder and its tokenizer on the model (in scripts r.set_context_encoder(ctx) and r.set_context_encoder_tokenizer(tok))")
        }
        guard model.retriever is KnowledgeBase else {
            throw TrainError.config("KB refresh needs a knowledge base as the model's retriever, got \(model.retriever.map { "\(type(of: $0))" } ?? "none")")
        }
        self.model = model
        shards = options.indexShards
        batchSize = options.kbBatchSize
        index = options.indexKind
        // Under mpirun a refresh is a sequence of collectives (sharded encoding, the index from rank 0), which
        // must not overlap the training thread's gradient allreduce: it runs synchronously, at the same
        // update on every rank (docs/distributed.md).
        if Cluster.size > 1 && options.refreshMode == .background {
            mode = .synchronous
            note = "under mpirun the KB refresh runs synchronously (sharded over the \(Cluster.size) ranks), not in the background"
        } else {
            mode = options.refreshMode
        }
    }

    /// Why the refresh mode differs from the one asked for, if it does (the fine-tune logs it).
    public private(set) var note: String?

    /// The current KB (the model's retriever).
    public var knowledgeBase: KnowledgeBase {
        get throws {
            guard let kb = model.retriever as? KnowledgeBase else {
                throw TrainError.config("the model's retriever is no longer a knowledge base")
            }
            return kb
        }
    }

    /// Training thread: copies the encoder's weights and the KB's passages.
    public func snapshot() throws -> Snapshot {
        guard let ctx = model.contextEncoder, let tok = model.contextTokenizer else {
            throw TrainError.config("the model has no context encoder/tokenizer to snapshot")
        }
        let kb = try knowledgeBase
        count += 1
        return Snapshot(passages: kb.passages, manifest: kb.manifest, encoder: try DPRPassageEncoder.snapshot(of: ctx),
                        tokenizer: tok, tag: "refresh \(count)")
    }

    /// Any thread: re-encode (sharded) and index; touches only the snapshot.
    public static func build(_ s: Snapshot, shards: Int, batchSize: Int, index: KBIndexKind,
                             progress: ProgressReporter? = nil) throws -> KnowledgeBase {
        let encoder = try DPRPassageEncoder(encoder: s.encoder, tokenizer: s.tokenizer)
        return try KBRefresh.rebuild(passages: s.passages, manifest: s.manifest, encoder: encoder, batchSize: batchSize,
                                     shards: shards, index: index, progress: progress)
    }

    /// Makes the progress reporter of each refresh's re-encoding (nil: silent), e.g. lines on standard error.
    public var progress: (() -> ProgressReporter)?

    /// Training thread: the atomic swap.
    public func install(_ kb: KnowledgeBase) {
        model.retriever = kb
        onInstall?(kb)
    }

    /// A driver for `Trainer.refresh` in this refresher's mode.
    public func driver() -> RefreshDriver {
        let (shards, batchSize, index) = (self.shards, self.batchSize, self.index)
        switch mode {
        case .background:
            return BackgroundRefresh(snapshot: { try self.snapshot() },
                                     build: { try Self.build($0, shards: shards, batchSize: batchSize, index: index, progress: self.progress?()) },
                                     install: { self.install($0) })
        case .synchronous:
            return SynchronousRefresh(snapshot: { try self.snapshot() },
                                      build: { try Self.build($0, shards: shards, batchSize: batchSize, index: index, progress: self.progress?()) },
                                      install: { self.install($0) })
        }
    }

    /// Refreshes now, on this thread, and installs the result (`r.refresh_kb()`).
    @discardableResult
    public func refreshNow() throws -> KnowledgeBase {
        let kb = try Self.build(try snapshot(), shards: shards, batchSize: batchSize, index: index, progress: progress?())
        install(kb)
        return kb
    }
}
