import Cluster
import Index
import Foundation

/// Passage encoding split across the ranks of an `mpirun` job (the research project's `index_gpus` /
/// `shard_dir`, with MPI in place of shard files). The whole KB's passages are put in `lengthOrder` and
/// cut into batches of `batchSize` exactly as one process would; rank r of n encodes batches r, r + n,
/// r + 2n, ... (every rank gets long and short passages alike), and every rank receives every rank's
/// vectors and puts them in KB row order. Each batch holds the same passages with the same padding as in
/// one process, so the embeddings are bit-identical to a one-process encoding whenever the products are
/// (measured: docs/distributed.md). The encoders' fingerprints are compared, so shards of different
/// snapshots never mix. In one process this is `PassageEncoding.encode` of the whole KB.
extension PassageEncoding {
    public static func encodeOnRanks(_ passages: [Passage], with encoder: PassageEncoder, batchSize: Int = 16,
                                     progress: ProgressReporter? = nil, isCancelled: (() -> Bool)? = nil)
        throws -> (embeddings: [Float], dimension: Int, fingerprint: String) {
        guard batchSize >= 1 else { throw KBError.invalidArgument("batch size must be positive, got \(batchSize)") }
        if Cluster.size == 1 {
            let whole = try encode(passages, with: encoder, batchSize: batchSize, progress: progress, isCancelled: isCancelled)
            return (whole.embeddings, whole.dimension, whole.fingerprint)
        }
        let (rank, ranks, d) = (Cluster.rank, Cluster.size, encoder.dimension)
        let batches = batched(lengthOrder(passages, 0 ..< passages.count), size: batchSize)
        func share(_ r: Int) -> [[Int]] { stride(from: r, to: batches.count, by: ranks).map { batches[$0] } }
        let mine = try encodeBatches(passages, batches: share(rank), with: encoder, progress: progress, isCancelled: isCancelled)
        let parts: [[UInt8]]
        do { parts = try Cluster.allGather(message(fingerprint: encoder.fingerprint, dimension: d, vectors: mine)) } catch {
            throw KBError.invalidArgument("gathering the encoded passages: \(error)")
        }
        var out = [Float](repeating: 0, count: passages.count * d)
        for (r, part) in parts.enumerated() {
            let rows = share(r).flatMap { $0 }
            let (fingerprint, dimension, vectors) = try unpack(part, rank: r)
            guard fingerprint == encoder.fingerprint, dimension == d, vectors.count == rows.count * d else {
                throw KBError.shardMismatch("rank \(r) sent \(vectors.count / max(dimension, 1)) vectors of dimension \(dimension) from encoder \(fingerprint); rank \(rank) expected \(rows.count) of dimension \(d) from \(encoder.fingerprint)")
            }
            for (j, row) in rows.enumerated() {
                out.replaceSubrange(row * d ..< (row + 1) * d, with: vectors[j * d ..< (j + 1) * d])
            }
        }
        return (out, d, encoder.fingerprint)
    }

    /// Dimension and fingerprint length (Int64 each), the fingerprint's UTF-8, then the Float32 vectors.
    static func message(fingerprint: String, dimension: Int, vectors: [Float]) -> [UInt8] {
        let text = Array(fingerprint.utf8)
        var bytes: [UInt8] = []
        for n in [dimension, text.count] { withUnsafeBytes(of: Int64(n).littleEndian) { bytes += $0 } }
        bytes += text
        vectors.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    static func unpack(_ bytes: [UInt8], rank: Int) throws -> (fingerprint: String, dimension: Int, vectors: [Float]) {
        func int64(_ i: Int) -> Int {
            var v: Int64 = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: bytes[i ..< i + 8]) }
            return Int(Int64(littleEndian: v))
        }
        guard bytes.count >= 16 else { throw KBError.shardMismatch("rank \(rank) sent \(bytes.count) bytes, no header") }
        let (dimension, length) = (int64(0), int64(8))
        guard length >= 0, length <= bytes.count - 16, (bytes.count - 16 - length) % 4 == 0 else {
            throw KBError.shardMismatch("rank \(rank)'s message of \(bytes.count) bytes has a broken header")
        }
        let fingerprint = String(decoding: bytes[16 ..< 16 + length], as: UTF8.self)
        let vectors: [Float] = bytes[(16 + length)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return (fingerprint, dimension, vectors)
    }
}

extension KnowledgeBase {
    /// Encodes every passage, split across the ranks of an `mpirun` job (`encodeOnRanks`); one process
    /// encodes all. Every rank ends with the same embeddings. Drops any previous index.
    public func encodeOnRanks(with encoder: PassageEncoder, batchSize: Int = 16, progress: ProgressReporter? = nil,
                              isCancelled: (() -> Bool)? = nil) throws {
        let merged = try PassageEncoding.encodeOnRanks(passages, with: encoder, batchSize: batchSize, progress: progress,
                                                       isCancelled: isCancelled)
        try setEmbeddings(merged.embeddings, dimension: merged.dimension, fingerprint: merged.fingerprint)
    }

    /// Builds the index once for the whole job: rank 0 builds it and every other rank receives it (its
    /// faiss bytes), so every rank searches the same graph. Building everywhere would not do: an HNSW
    /// graph built with several threads depends on their timing. One process: `buildIndex`.
    public func buildIndexOnRanks(_ kind: KBIndexKind = .hnsw(), threads: Int? = nil) throws {
        if Cluster.size == 1 { return try buildIndex(kind, threads: threads) }
        var bytes: [UInt8] = []
        if Cluster.rank == 0 {
            try buildIndex(kind, threads: threads)
            bytes = [UInt8](try FaissFile.encode(index!))
        }
        let received = Cluster.broadcast(bytes, root: 0)
        if Cluster.rank != 0 { try installIndex(try FaissFile.decode(Data(received)), kind: kind) }
    }
}
