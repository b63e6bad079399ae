/// HNSW search as faiss does it (rag-spec.md §7.4): greedy descent on the upper levels, then a
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
        var i = k - 1
        while i >= 0 && ids[i] == -1 { i -= 1 }
        if i < 0 { return nil }
        var imin = i
        var vmin = dis[i]
        i -= 1
        while i >= 0 {
            if ids[i] != -1 && dis[i] < vmin { vmin = dis[i]; imin = i }
            i -= 1
        }
        let id = ids[imin]
        ids[imin] = -1
        nvalid -= 1
        return (id, vmin)
    }

    /// Number of used slots (popped ones included) with distance below `t`.
    func countBelow(_ t: Float) -> Int {
        var c = 0
        for i in 0 ..< k where dis[i] < t { c += 1 }
        return c
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
        while candidates.nvalid > 0 {
            guard let (v0, d0) = candidates.popMin() else { break }
            if candidates.countBelow(d0) >= efSearch { break }
            let (b, e) = range(v0, 0)
            var buffer = SIMD4<Int32>(), n = 0
            var s = b
            while true {
                let v1: Int32 = s < e ? neighbors[s] : -1
                if v1 >= 0 && !visited.get(v1) {
                    visited.set(v1)
                    buffer[n] = v1
                    n += 1
                }
                if n == 4 || (v1 < 0 && n > 0) {
                    let ds = dis4(q, buffer, n)
                    for j in 0 ..< n {
                        result.insert(ds[j], Int(buffer[j]))
                        candidates.push(buffer[j], ds[j])
                    }
                    n = 0
                }
                if v1 < 0 { break }
                s += 1
            }
        }
        visited.advance()
        result.drainSorted(into: outD, outI)
    }
}
