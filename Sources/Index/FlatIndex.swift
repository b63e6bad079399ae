import Support
import CBLAS

/// Exact search over all stored vectors (faiss `IndexFlatIP` / `IndexFlatL2`, faiss v1.7.4 `faiss/IndexFlat.cpp`;
/// docs/index-kb.md).
///
///     let flat = try FlatIndex(dimension: 768, metric: .innerProduct)
///     try flat.add(embeddings)                      // [n * 768]
///     let r = try flat.search(questions, k: 5)      // r.ids [nq * 5], best first
///
/// Search multiplies a block of queries by a block of stored rows with `cblas_sgemm`
/// (`S[bq, bd] = Q[bq, d] · Xᵀ[d, bd]`) and feeds each row of `S` to a per-query bounded max-heap;
/// the heaps are updated in parallel over queries. Ties are broken by the lower id, as in faiss.
/// L2 distances are `‖x‖² + ‖q‖² − 2⟨q, x⟩` clamped at 0 (faiss's BLAS path).
public final class FlatIndex: VectorIndex {
    public let dimension: Int
    public let metric: Metric
    /// `[count * dimension]` row-major storage.
    public private(set) var vectors: [Float] = []
    /// `[count]` squared norms, kept only for L2.
    private var norms: [Float] = []

    public var count: Int { vectors.count / dimension }

    /// Query and database block sizes of the blocked sgemm.
    static let queryBlock = 256
    static let databaseBlock = 4096

    public init(dimension: Int, metric: Metric = .innerProduct) throws {
        guard dimension > 0 else { throw IndexError.invalidDimension(dimension) }
        self.dimension = dimension
        self.metric = metric
    }

    public func add(_ newVectors: [Float]) throws {
        let n = try InputCheck.rows(of: newVectors, dimension: dimension, what: "vectors to add")
        vectors.append(contentsOf: newVectors)
        if metric == .l2 {
            newVectors.withUnsafeBufferPointer { p in
                for i in 0 ..< n {
                    let row = p.baseAddress! + i * dimension
                    norms.append(Distances.dot(row, row, dimension))
                }
            }
        }
    }

    public func vector(at id: Int) -> [Float] {
        precondition(id >= 0 && id < count, "vector id \(id) out of range 0..<\(count)")
        return Array(vectors[id * dimension ..< (id + 1) * dimension])
    }

    public func search(_ queries: [Float], k: Int) throws -> SearchResults {
        let nq = try InputCheck.rows(of: queries, dimension: dimension, what: "queries")
        try InputCheck.searchable(k: k, count: count)
        var outIds = [Int](repeating: -1, count: nq * k)
        var outScores = [Float](repeating: 0, count: nq * k)
        let d = dimension, n = count, metric = metric
        let bq = Self.queryBlock, bd = Self.databaseBlock
        // Scratch: per-query heaps of the current query block, the score block, query norms.
        let hv = SharedPointer(base: UnsafeMutablePointer<Float>.allocate(capacity: bq * k))
        let hi = SharedPointer(base: UnsafeMutablePointer<Int>.allocate(capacity: bq * k))
        let sz = SharedPointer(base: UnsafeMutablePointer<Int>.allocate(capacity: bq))
        let sp = SharedPointer(base: UnsafeMutablePointer<Float>.allocate(capacity: bq * bd))
        let qn = SharedPointer(base: UnsafeMutablePointer<Float>.allocate(capacity: bq))
        qn.base.initialize(repeating: 0, count: bq)
        defer { hv.base.deallocate(); hi.base.deallocate(); sz.base.deallocate(); sp.base.deallocate(); qn.base.deallocate() }

        queries.withUnsafeBufferPointer { qp in
            vectors.withUnsafeBufferPointer { xp in
                norms.withUnsafeBufferPointer { np in
                    // Norms exist only for L2; for inner product the pointer is never read.
                    let xn = SharedPointer(base: UnsafeMutablePointer(mutating: np.baseAddress ?? UnsafePointer(qn.base)))
                    for q0 in stride(from: 0, to: nq, by: bq) {
                        let b = min(bq, nq - q0)
                        let qBase = qp.baseAddress! + q0 * d
                        for i in 0 ..< b {
                            sz.base[i] = 0
                            if metric == .l2 { qn.base[i] = Distances.dot(qBase + i * d, qBase + i * d, d) }
                        }
                        for x0 in stride(from: 0, to: n, by: bd) {
                            let m = min(bd, n - x0)
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), Int32(m), Int32(d),
                                        1, qBase, Int32(d), xp.baseAddress! + x0 * d, Int32(d), 0, sp.base, Int32(m))
                            ParallelFor.chunks(b, minChunk: 8) { rows in
                                for i in rows {
                                    Self.select(row: sp.base + i * m, count: m, firstId: x0, metric: metric,
                                                queryNorm: qn.base[i], norms: xn.base + x0,
                                                k: k, vals: hv.base + i * k, ids: hi.base + i * k, size: sz.base + i)
                                }
                            }
                        }
                        for i in 0 ..< b {
                            Self.emit(k: k, size: sz.base[i], vals: hv.base + i * k, ids: hi.base + i * k,
                                      metric: metric, outIds: &outIds, outScores: &outScores, at: (q0 + i) * k)
                        }
                    }
                }
            }
        }
        return SearchResults(queryCount: nq, k: k, ids: outIds, scores: outScores)
    }

    /// Feeds one row of inner products (ids `firstId ..< firstId + count`) into a query's heap of
    /// "smaller is better" values (−IP, or the L2 distance).
    @inline(__always)
    private static func select(row: UnsafePointer<Float>, count: Int, firstId: Int, metric: Metric,
                               queryNorm: Float, norms: UnsafePointer<Float>, k: Int,
                               vals: UnsafeMutablePointer<Float>, ids: UnsafeMutablePointer<Int>,
                               size: UnsafeMutablePointer<Int>) {
        var n = size.pointee
        for j in 0 ..< count {
            let v: Float
            if metric == .innerProduct {
                v = -row[j]
            } else {
                v = max(0, norms[j] + queryNorm - 2 * row[j])
            }
            // Ids arrive ascending, so an equal value never displaces a kept (smaller) id.
            if n < k {
                n += 1
                MaxHeap.push(n, vals, ids, v, firstId + j)
            } else if v < vals[0] {
                MaxHeap.replaceTop(k, vals, ids, v, firstId + j)
            }
        }
        size.pointee = n
    }

    /// Sorts one heap ascending by (value, id) into the output rows, converting back to faiss scores.
    private static func emit(k: Int, size: Int, vals: UnsafeMutablePointer<Float>, ids: UnsafeMutablePointer<Int>,
                             metric: Metric, outIds: inout [Int], outScores: inout [Float], at base: Int) {
        var pairs = (0 ..< size).map { (vals[$0], ids[$0]) }
        pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for (j, p) in pairs.enumerated() {
            outIds[base + j] = p.1
            outScores[base + j] = metric == .innerProduct ? -p.0 : p.0
        }
    }
}
