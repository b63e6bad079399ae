/// The KB's view of a DPR context encoder (the Models module conforms later).
///
/// `encode` receives the raw title and text of each passage (the encoder tokenizes them as a pair,
/// rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding) / transformers `RagRetriever.postprocess_docs`: titles keep their quotes) and returns `[titles.count * dimension]`
/// pooled vectors, row-major.
public protocol PassageEncoder {
    var dimension: Int { get }
    /// Identifies the weights that produced the embeddings (e.g. a hash of the safetensors file);
    /// stored in kb.json so that a KB encoded with other weights is detected as stale.
    var fingerprint: String { get }
    func encode(titles: [String], texts: [String]) throws -> [Float]
}

/// Contiguous shard `index` of `count` over `total` rows (the `datasets` shard rule, rag-end2end-retriever `finetune_rag.py` + `kb_encode_utils.py` (KB re-encoding)):
/// `q = total / count`, `m = total % count`, `start = q·index + min(index, m)`,
/// `end = start + q + (index < m ? 1 : 0)`.
public struct Shard: Equatable, Sendable, Codable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw KBError.invalidArgument("shard \(index) of \(count) is out of range (need 0 <= shard < count)")
        }
        self.index = index
        self.count = count
    }

    public static let whole = try! Shard(index: 0, count: 1)  // swiftlint:disable:this force_try

    public func range(total: Int) -> Range<Int> {
        let q = total / count, m = total % count
        let start = q * index + min(index, m)
        return start ..< start + q + (index < m ? 1 : 0)
    }
}

/// Embeddings of one shard: rows `range` of the KB, `[range.count * dimension]`.
public struct EmbeddingShard: Equatable, Sendable {
    public let shard: Shard
    public let range: Range<Int>
    public let total: Int
    public let dimension: Int
    public let fingerprint: String
    public var embeddings: [Float]
}

public enum PassageEncoding {
    /// Encodes the passages of `shard` in batches of `batchSize`, reporting progress per batch.
    /// `isCancelled` is polled between batches (Ctrl-C); it throws `KBError.cancelled`.
    ///
    /// Batches are formed in `lengthOrder` (longest title + text first), so each batch pads to a length
    /// close to its own passages' and little work goes into padding; the vectors land in KB row order.
    /// The order depends only on the shard's passages, so a run is reproducible.
    public static func encode(_ passages: [Passage], with encoder: PassageEncoder, batchSize: Int = 16,
                              shard: Shard = .whole, progress: ProgressReporter? = nil,
                              isCancelled: (() -> Bool)? = nil) throws -> EmbeddingShard {
        guard batchSize >= 1 else { throw KBError.invalidArgument("batch size must be positive, got \(batchSize)") }
        let d = encoder.dimension
        let range = shard.range(total: passages.count)
        let order = lengthOrder(passages, range)
        let vectors = try encodeBatches(passages, batches: batched(order, size: batchSize), with: encoder, progress: progress,
                                        isCancelled: isCancelled)
        var out = [Float](repeating: 0, count: range.count * d)
        for (j, row) in order.enumerated() {
            let at = (row - range.lowerBound) * d
            out.replaceSubrange(at ..< at + d, with: vectors[j * d ..< (j + 1) * d])
        }
        return EmbeddingShard(shard: shard, range: range, total: passages.count, dimension: d,
                              fingerprint: encoder.fingerprint, embeddings: out)
    }

    /// `rows` cut into consecutive batches of `size` (the last may be shorter).
    static func batched(_ rows: [Int], size: Int) -> [[Int]] {
        stride(from: 0, to: rows.count, by: size).map { Array(rows[$0 ..< min($0 + size, rows.count)]) }
    }

    /// The vectors of `batches`' rows, `[rows * dimension]` in the order the batches list them; progress
    /// per batch, `isCancelled` polled between batches, every value checked to be finite.
    static func encodeBatches(_ passages: [Passage], batches: [[Int]], with encoder: PassageEncoder,
                              progress: ProgressReporter?, isCancelled: (() -> Bool)?) throws -> [Float] {
        let d = encoder.dimension
        var out: [Float] = []
        out.reserveCapacity(batches.reduce(0) { $0 + $1.count } * d)
        progress?.start(total: batches.reduce(0) { $0 + $1.count })
        var done = 0
        for rows in batches {
            if isCancelled?() == true { throw KBError.cancelled(done: done) }
            let vectors = try encoder.encode(titles: rows.map { passages[$0].title }, texts: rows.map { passages[$0].text })
            guard vectors.count == rows.count * d else {
                throw KBError.encoderOutput(expected: rows.count * d, got: vectors.count, passages: rows)
            }
            if let bad = vectors.firstIndex(where: { !$0.isFinite }) {
                throw KBError.invalidArgument("encoder produced a NaN or infinite value for passage \(rows[bad / d])")
            }
            out += vectors
            done += rows.count
            progress?.advance(by: rows.count)
        }
        progress?.finish()
        return out
    }

    /// KB rows of `range`, longest first by UTF-8 length of title + text (a proxy for token count), ties
    /// in row order.
    static func lengthOrder(_ passages: [Passage], _ range: Range<Int>) -> [Int] {
        let lengths = range.map { passages[$0].title.utf8.count + passages[$0].text.utf8.count }
        return range.sorted { i, j in
            let (li, lj) = (lengths[i - range.lowerBound], lengths[j - range.lowerBound])
            return li != lj ? li > lj : i < j
        }
    }

    /// Concatenates shards in shard order after checking that they come from one run
    /// (same total, count, dimension, encoder) and cover every row exactly once.
    public static func merge(_ shards: [EmbeddingShard]) throws -> (embeddings: [Float], dimension: Int, fingerprint: String) {
        guard let first = shards.first else { throw KBError.shardMismatch("no shards given") }
        let sorted = shards.sorted { $0.shard.index < $1.shard.index }
        for s in sorted {
            guard s.total == first.total, s.shard.count == first.shard.count, s.dimension == first.dimension else {
                throw KBError.shardMismatch("shard \(s.shard.index) is of \(s.shard.count) shards over \(s.total) passages (dimension \(s.dimension)); shard \(first.shard.index) is of \(first.shard.count) over \(first.total) (dimension \(first.dimension))")
            }
            guard s.fingerprint == first.fingerprint else {
                throw KBError.shardMismatch("shard \(s.shard.index) was encoded with \(s.fingerprint), shard \(first.shard.index) with \(first.fingerprint)")
            }
            guard s.embeddings.count == s.range.count * s.dimension, s.range == s.shard.range(total: s.total) else {
                throw KBError.shardMismatch("shard \(s.shard.index) holds rows \(s.range) but should hold \(s.shard.range(total: s.total))")
            }
        }
        let indices = sorted.map(\.shard.index)
        guard indices == Array(0 ..< first.shard.count) else {
            let missing = Set(0 ..< first.shard.count).subtracting(indices).sorted()
            throw KBError.shardMismatch("expected shards 0..<\(first.shard.count) once each; missing \(missing), got \(indices)")
        }
        return (sorted.flatMap(\.embeddings), first.dimension, first.fingerprint)
    }
}
