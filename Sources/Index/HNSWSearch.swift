import CVectorKernels

/// HNSW search as faiss does it (`HNSW::search`, `search_from_candidates` in `faiss/impl/HNSW.cpp`): greedy descent on the upper levels, then a
/// bounded best-first search at level 0 with faiss's `MinimaxHeap` and the relative-distance stop.

/// faiss `HNSW::MinimaxHeap`: a max-heap of capacity `n` whose popped minima stay in place
/// with id −1 (they still count in `countBelow`).
struct MinimaxHeap {
    let n: Int
    var k = 0
    var nvalid = 0
    var ids: [Int32]
    var dis: [Float]

    init(capacity n: Int) {
        self.n = n
        ids = [Int32](repeating: -1, count: n)
        dis = [Float](repeating: 0, count: n)
    }

    mutating func reset() { k = 0; nvalid = 0 }

    mutating func push(_ i: Int32, _ v: Float) {
        let n = n
        ids.withUnsafeMutableBufferPointer { ip in
            dis.withUnsafeMutableBufferPointer { dp in
                let ib = ip.baseAddress!, db = dp.baseAddress!
                if k == n {
                    if v >= db[0] { return }
                    if ib[0] != -1 { nvalid -= 1 }
                    MaxHeap.pop(k, db, ib)
                    k -= 1
                }
                k += 1
                MaxHeap.push(k, db, ib, v, i)
                nvalid += 1
            }
        }
    }

    /// Removes and returns the valid entry with the smallest distance (ties: the higher slot).
    mutating func popMin() -> (id: Int32, d: Float)? {
        let used = Int32(k)
        let slot = ids.withUnsafeBufferPointer { ip in
            dis.withUnsafeBufferPointer { dp in Int(rt_minimax_argmin(ip.baseAddress!, dp.baseAddress!, used)) }
        }
        if slot < 0 { return nil }
        let id = ids[slot]
        ids[slot] = -1
        nvalid -= 1
        return (id, dis[slot])
    }

    /// Number of used slots (popped ones included) with distance below `t`.
    func countBelow(_ t: Float) -> Int {
        dis.withUnsafeBufferPointer { Int(rt_count_below($0.baseAddress!, Int32(k), t)) }
    }
}

extension HNSWKernel {
    /// Top-`k` for one query: writes `k` (distance, id) pairs ascending into `outD`/`outI`
    /// (id −1 and `Float.greatestFiniteMagnitude` for missing results).
    func search(_ q: UnsafePointer<Float>, k: Int, efSearch: Int, entry: Int32, maxLevel: Int,
                visited: inout VisitedTable, candidates: inout MinimaxHeap, result: inout TopK,
                outD: UnsafeMutablePointer<Float>, outI: UnsafeMutablePointer<Int>) {
        var nearest = entry
        var dNearest = dis(q, nearest)
        var level = maxLevel
        while level >= 1 {
            greedyUpdate(q, level: level, nearest: &nearest, dNearest: &dNearest)
            level -= 1
        }
        candidates.reset()
        candidates.push(nearest, dNearest)
        result.reset()
        result.insert(dNearest, Int(nearest))
        visited.set(nearest)
        // Per hop, faiss's order: mark the unvisited neighbours of v0 (list order, up to the first −1),
        // then take their distances four at a time (`Distances.hnsw4`) and the last 1–3 one by one, pushing each into
        // the result and the candidates in that order. Collecting the fresh ids first into a plain buffer
        // (not a SIMD register written lane by lane) keeps the loop free of store-forwarding stalls.
        let listLength = Int(cum[1] - cum[0])
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: listLength) { fresh in
            let ids = fresh.baseAddress!
            while candidates.nvalid > 0 {
                guard let (v0, d0) = candidates.popMin() else { break }
                if candidates.countBelow(d0) >= efSearch { break }
                let (b, e) = range(v0, 0)
                var n = 0
                for s in b ..< e {
                    let v1 = neighbors[s]
                    if v1 < 0 { break }
                    if visited.insert(v1) { ids[n] = v1; n += 1 }
                }
                var j = 0
                while j + 4 <= n {
                    let ds = Distances.hnsw4(metric, q, vector(ids[j]), vector(ids[j + 1]), vector(ids[j + 2]),
                                             vector(ids[j + 3]), d)
                    for t in 0 ..< 4 {
                        result.insert(ds[t], Int(ids[j + t]))
                        candidates.push(ids[j + t], ds[t])
                    }
                    j += 4
                }
                while j < n {
                    let dv = dis(q, ids[j])
                    result.insert(dv, Int(ids[j]))
                    candidates.push(ids[j], dv)
                    j += 1
                }
            }
        }
        visited.advance()
        result.drainSorted(into: outD, outI)
    }
}
