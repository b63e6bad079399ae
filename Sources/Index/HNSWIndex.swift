import Support

/// faiss `IndexHNSWFlat`: an HNSW graph over a flat storage (faiss `faiss/IndexHNSW.cpp`; docs/index-kb.md).
///
///     let index = try HNSWIndex(dimension: 768, m: 128, metric: .innerProduct)
///     try index.add(embeddings)                   // [n * 768]
///     let r = try index.search(questions, k: 5)   // r.ids [nq * 5], best first
///
/// The default build (`HNSWBuildRules.faissCurrent`) is faiss-cpu 1.15's: deterministic for any thread
/// count (batched, lock-free; HNSWBatchBuild.swift) and equal to faiss's graph up to float rounding.
/// `.faiss1_7_4` is faiss 1.7.4's insertion (`HNSW::add_with_locks`); with `addThreads == 1` it equals faiss 1.7.4 built
/// single-threaded, with more threads buckets of over 100 points are inserted in parallel under
/// per-node locks, as faiss 1.7.4 does with OpenMP, so that graph depends on scheduling.
/// Searches of a batch run in parallel.
public final class HNSWIndex: VectorIndex {
    public let storage: FlatIndex
    public private(set) var graph: HNSWGraph
    /// Threads for `add` (the graph depends on it only under `.faiss1_7_4`).
    public var addThreads: Int = WorkerThreads.count
    /// Construction details of which faiss version to follow (not stored in files).
    public var buildRules: HNSWBuildRules = .faissCurrent
    /// Threads for batch `search`.
    public var searchThreads: Int = WorkerThreads.count

    public var dimension: Int { storage.dimension }
    public var metric: Metric { storage.metric }
    public var count: Int { storage.count }
    public var m: Int { graph.m }
    public var efConstruction: Int {
        get { graph.efConstruction }
        set { graph.efConstruction = newValue }
    }
    public var efSearch: Int {
        get { graph.efSearch }
        set { graph.efSearch = newValue }
    }

    /// faiss `IndexHNSWFlat(d, M, metric)`: efConstruction 40, efSearch 16 unless given.
    public init(dimension: Int, m: Int = 32, metric: Metric = .innerProduct,
                efConstruction: Int = 40, efSearch: Int = 16) throws {
        guard m >= 2, m <= 4096 else { throw IndexError.invalidParameter("M must be from 2 to 4096, got \(m)") }
        guard efConstruction >= 1, efSearch >= 1 else {
            throw IndexError.invalidParameter("efConstruction and efSearch must be positive, got \(efConstruction), \(efSearch)")
        }
        storage = try FlatIndex(dimension: dimension, metric: metric)
        graph = HNSWGraph(m: m)
        graph.efConstruction = efConstruction
        graph.efSearch = efSearch
    }

    /// An index over a graph and storage read from a file (validated by the reader).
    init(storage: FlatIndex, graph: HNSWGraph) {
        self.storage = storage
        self.graph = graph
    }

    public func vector(at id: Int) -> [Float] { storage.vector(at: id) }

    /// faiss `hnsw_add_vertices` (faiss `HNSW::add_with_locks`): append, draw levels in id order, bucket by level, shuffle each
    /// bucket with `mt19937(789)`, insert buckets from the top level down.
    public func add(_ vectors: [Float]) throws {
        let n = try InputCheck.rows(of: vectors, dimension: dimension, what: "vectors to add")
        if n == 0 { return }
        let n0 = count
        try storage.add(vectors)
        _ = graph.prepareLevels(newCount: n)

        // Bucket sort of the new ids by level (ascending id inside a bucket).
        var histogram: [Int] = []
        for i in n0 ..< n0 + n {
            let level = Int(graph.levels[i]) - 1
            while level >= histogram.count { histogram.append(0) }
            histogram[level] += 1
        }
        var starts = [Int](repeating: 0, count: histogram.count + 1)
        for l in 0 ..< histogram.count { starts[l + 1] = starts[l] + histogram[l] }
        var order = [Int32](repeating: 0, count: n)
        var fill = starts
        for i in n0 ..< n0 + n {
            let level = Int(graph.levels[i]) - 1
            order[fill[level]] = Int32(i)
            fill[level] += 1
        }

        var shuffle = MersenneTwister(seed: 789)
        let locks = addThreads > 1 && buildRules == .faiss1_7_4 ? NodeLocks(count: count) : nil
        // A candidate list longer than the index cannot fill, so a huge efConstruction is capped at the node
        // count instead of sizing buffers by it (the graph is the same).
        let efC = min(graph.efConstruction, max(count, 1)), total = count, threads = addThreads, rules = buildRules
        var entry = graph.entryPoint, maxLevel = Int(graph.maxLevel)
        let cum = graph.cumNeighborsPerLevel, offsets = graph.offsets

        storage.vectors.withUnsafeBufferPointer { data in
            cum.withUnsafeBufferPointer { cumP in
                offsets.withUnsafeBufferPointer { offP in
                    graph.neighbors.withUnsafeMutableBufferPointer { nb in
                        let kernel = HNSWKernel(data: data.baseAddress!, d: dimension, metric: metric,
                                                offsets: offP.baseAddress!, cum: cumP.baseAddress!,
                                                neighbors: nb.baseAddress!)
                        if rules == .faissCurrent {
                            Self.batchBuild(kernel: kernel, order: &order, histogram: histogram, n: n, total: total,
                                            efConstruction: efC, threads: threads,
                                            entry: &entry, maxLevel: &maxLevel, shuffle: &shuffle)
                            return
                        }
                        var visited = VisitedTable(count: total)
                        var i1 = n
                        for level in stride(from: histogram.count - 1, through: 0, by: -1) {
                            let i0 = i1 - histogram[level]
                            for j in i0 ..< i1 {
                                order.swapAt(j, j + shuffle.nextInt(below: i1 - j))
                            }
                            var next = i0
                            // Points that start the graph or raise its top level go in one at a time.
                            while next < i1 && (entry == -1 || level > maxLevel) {
                                let pt = order[next]
                                if entry == -1 {
                                    entry = pt
                                } else {
                                    kernel.insert(pt, level: level, entry: entry, maxLevel: maxLevel,
                                                  efConstruction: efC, visited: &visited, locks: nil)
                                    entry = pt
                                }
                                maxLevel = level
                                next += 1
                            }
                            let rest = i1 - next
                            if rest > 100 && threads > 1 {
                                let ep = entry, ml = maxLevel, base = next
                                let orderCopy = order
                                ParallelFor.chunks(rest, threads: threads) { chunk in
                                    var vt = VisitedTable(count: total)
                                    for j in chunk {
                                        kernel.insert(orderCopy[base + j], level: level, entry: ep, maxLevel: ml,
                                                      efConstruction: efC, visited: &vt, locks: locks)
                                    }
                                }
                            } else {
                                for j in next ..< i1 {
                                    kernel.insert(order[j], level: level, entry: entry, maxLevel: maxLevel,
                                                  efConstruction: efC, visited: &visited, locks: nil)
                                }
                            }
                            i1 = i0
                        }
                    }
                }
            }
        }
        graph.entryPoint = entry
        graph.maxLevel = Int32(maxLevel)
    }

    public func search(_ queries: [Float], k: Int) throws -> SearchResults {
        try search(queries, k: k, efSearch: graph.efSearch)
    }

    /// Search with a per-call efSearch (faiss `SearchParametersHNSW`); the effective ef is max(efSearch, k).
    public func search(_ queries: [Float], k: Int, efSearch: Int) throws -> SearchResults {
        let nq = try InputCheck.rows(of: queries, dimension: dimension, what: "queries")
        try InputCheck.searchable(k: k, count: count)
        guard efSearch >= 1 else { throw IndexError.invalidParameter("efSearch must be positive, got \(efSearch)") }
        var outD = [Float](repeating: 0, count: nq * k)
        var outI = [Int](repeating: -1, count: nq * k)
        // faiss uses max(efSearch, k) candidates; more than the index holds changes nothing, so a huge
        // efSearch is capped at the count instead of sizing buffers by it.
        let ef = min(max(efSearch, k), max(count, 1)), total = count
        let entry = graph.entryPoint, maxLevel = Int(graph.maxLevel)
        let cum = graph.cumNeighborsPerLevel
        storage.vectors.withUnsafeBufferPointer { data in
            cum.withUnsafeBufferPointer { cumP in
                graph.offsets.withUnsafeBufferPointer { offP in
                    graph.neighbors.withUnsafeMutableBufferPointer { nb in
                        queries.withUnsafeBufferPointer { qp in
                            let kernel = HNSWKernel(data: data.baseAddress!, d: dimension, metric: metric,
                                                    offsets: offP.baseAddress!, cum: cumP.baseAddress!,
                                                    neighbors: nb.baseAddress!)
                            let q = SharedPointer(base: UnsafeMutablePointer(mutating: qp.baseAddress!))
                          outD.withUnsafeMutableBufferPointer { dBuf in
                            outI.withUnsafeMutableBufferPointer { iBuf in
                            let dOut = SharedPointer(base: dBuf.baseAddress!)
                            let iOut = SharedPointer(base: iBuf.baseAddress!)
                            let d = dimension
                            // Queries are independent; dynamic chunks of 4 balance the cores (faiss: OpenMP schedule(guided)).
                            ParallelFor.dynamicChunks(nq, threads: searchThreads, grain: 4) { next in
                                var vt = VisitedTable(count: total)
                                var candidates = MinimaxHeap(capacity: ef)
                                var result = TopK(k: k)
                                while let chunk = next() {
                                    for i in chunk {
                                        kernel.search(q.base + i * d, k: k, efSearch: efSearch, entry: entry,
                                                      maxLevel: maxLevel, visited: &vt, candidates: &candidates,
                                                      result: &result, outD: dOut.base + i * k, outI: iOut.base + i * k)
                                    }
                                }
                            }
                            }
                          }
                        }
                    }
                }
            }
        }
        if metric == .innerProduct {
            for i in outD.indices { outD[i] = -outD[i] }
        }
        return SearchResults(queryCount: nq, k: k, ids: outI, scores: outD)
    }
}

/// The faiss construction variant an `HNSWIndex` follows. The file layout, levels (same RNG draws),
/// insertion order and search are the same for both.
public enum HNSWBuildRules: Sendable {
    /// faiss 1.7.4 (`faiss/impl/HNSW.cpp`, `add_with_locks`): one point at a time; an overflowing neighbour list
    /// is pruned to its slot count and written back farthest first.
    case faiss1_7_4
    /// faiss-cpu 1.15 (PyPI): prefix-doubling batches with forward links against a snapshot and a merge
    /// of reverse links that prunes overflowing lists to ⌊0.8 · slots⌋ (`prune_headroom` 0.2), nearest first.
    case faissCurrent

    var pruneHeadroom: Float { self == .faiss1_7_4 ? 0 : 0.2 }
}
