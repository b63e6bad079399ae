/// Raw-pointer view of an HNSW graph and its vectors, shared by the insertion and search routines
/// (faiss `faiss/impl/HNSW.cpp`; docs/index-kb.md). Valid only inside the `withUnsafe…` scope that created it.
/// During a parallel add, writes to a node's list happen under that node's lock; reads of other
/// nodes' lists are unsynchronised, as in faiss.
struct HNSWKernel: @unchecked Sendable {
    let data: UnsafePointer<Float>
    let d: Int
    let metric: Metric
    let offsets: UnsafePointer<Int>
    let cum: UnsafePointer<Int32>
    let neighbors: UnsafeMutablePointer<Int32>

    @inline(__always) func vector(_ i: Int32) -> UnsafePointer<Float> { data + Int(i) * d }

    /// Distance from query `q` to stored vector `i` (−IP or squared L2).
    @inline(__always) func dis(_ q: UnsafePointer<Float>, _ i: Int32) -> Float {
        Distances.hnsw(metric, q, data + Int(i) * d, d)
    }

    @inline(__always) func range(_ i: Int32, _ level: Int) -> (begin: Int, end: Int) {
        let o = offsets[Int(i)]
        return (o + Int(cum[level]), o + Int(cum[level + 1]))
    }

    /// Distances from `q` to up to four ids (`count` of `ids` valid), four rows at a time.
    @inline(__always) func dis4(_ q: UnsafePointer<Float>, _ ids: SIMD4<Int32>, _ count: Int) -> SIMD4<Float> {
        if count == 4 {
            return Distances.hnsw4(metric, q, vector(ids[0]), vector(ids[1]), vector(ids[2]), vector(ids[3]), d)
        }
        var out = SIMD4<Float>()
        for j in 0 ..< count { out[j] = dis(q, ids[j]) }
        return out
    }

    /// Greedy descent at one level: full passes over the current node's list, moving to any strictly
    /// closer neighbour, until a pass changes nothing. Distances are taken four at a time, in list order.
    func greedyUpdate(_ q: UnsafePointer<Float>, level: Int, nearest: inout Int32, dNearest: inout Float) {
        while true {
            let previous = nearest
            let (b, e) = range(nearest, level)
            var buffer = SIMD4<Int32>(), n = 0
            var s = b
            while true {
                let v: Int32 = s < e ? neighbors[s] : -1
                if v >= 0 { buffer[n] = v; n += 1 }
                if n == 4 || (v < 0 && n > 0) {
                    let ds = dis4(q, buffer, n)
                    for j in 0 ..< n where ds[j] < dNearest { nearest = buffer[j]; dNearest = ds[j] }
                    n = 0
                }
                if v < 0 { break }
                s += 1
            }
            if nearest == previous { return }
        }
    }
}

/// faiss `VisitedTable`: one byte per node and a generation counter, so clearing is O(1) mostly.
struct VisitedTable {
    private var marks: [UInt8]
    private var generation: UInt8 = 1

    init(count: Int) { marks = [UInt8](repeating: 0, count: count) }

    @inline(__always) func get(_ i: Int32) -> Bool { marks[Int(i)] == generation }
    @inline(__always) mutating func set(_ i: Int32) { marks[Int(i)] = generation }

    /// Marks `i`; true when it was not marked before (faiss `VisitedTable::set`'s return value).
    @inline(__always) mutating func insert(_ i: Int32) -> Bool {
        let g = generation
        return marks.withUnsafeMutableBufferPointer { m in
            let fresh = m[Int(i)] != g
            m[Int(i)] = g
            return fresh
        }
    }

    mutating func advance() {
        if generation < 250 {
            generation += 1
        } else {
            for i in marks.indices { marks[i] = 0 }
            generation = 1
        }
    }
}

/// A binary heap of (distance, id) pairs, max-heap (`NodeDistCloser`) or min-heap (`NodeDistFarther`).
struct DistanceHeap {
    private(set) var items: [(d: Float, id: Int32)] = []
    let isMax: Bool

    init(isMax: Bool, capacity: Int = 0) {
        self.isMax = isMax
        items.reserveCapacity(capacity)
    }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var top: (d: Float, id: Int32) { items[0] }

    @inline(__always) private func above(_ a: Float, _ b: Float) -> Bool { isMax ? a > b : a < b }

    mutating func push(_ d: Float, _ id: Int32) {
        items.append((d, id))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if !above(items[i].d, items[p].d) { break }
            items.swapAt(i, p)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> (d: Float, id: Int32) {
        let top = items[0]
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var i = 0
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < n && above(items[l].d, items[best].d) { best = l }
            if r < n && above(items[r].d, items[best].d) { best = r }
            if best == i { break }
            items.swapAt(i, best)
            i = best
        }
        return top
    }
}
