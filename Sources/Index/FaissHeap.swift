/// faiss's binary max-heap over parallel (value, id) arrays (`CMax` with id tie-break, `cmp2`):
/// the top (slot 0) is the largest value, and on equal values the larger id. Used for the top-k
/// result heaps and HNSW's MinimaxHeap so that tie handling matches faiss (faiss v1.7.4, `faiss/utils/Heap.h`,
/// `CMax`; docs/index-kb.md).
enum MaxHeap {
    /// `(a1, b1)` ranks above `(a2, b2)`: larger value, or equal value and larger id.
    @inline(__always)
    static func above<I: BinaryInteger>(_ a1: Float, _ a2: Float, _ b1: I, _ b2: I) -> Bool {
        a1 > a2 || (a1 == a2 && b1 > b2)
    }

    /// Inserts `(val, id)` into a heap that already holds `k − 1` entries (so it holds `k` after).
    @inline(__always)
    static func push<I: BinaryInteger>(_ k: Int, _ vals: UnsafeMutablePointer<Float>,
                                      _ ids: UnsafeMutablePointer<I>, _ val: Float, _ id: I) {
        let v = vals - 1, x = ids - 1   // 1-based
        var i = k
        while i > 1 {
            let father = i >> 1
            if !above(val, v[father], id, x[father]) { break }
            v[i] = v[father]; x[i] = x[father]
            i = father
        }
        v[i] = val; x[i] = id
    }

    /// Removes the top of a heap of `k` entries (leaving `k − 1`).
    @inline(__always)
    static func pop<I: BinaryInteger>(_ k: Int, _ vals: UnsafeMutablePointer<Float>,
                                     _ ids: UnsafeMutablePointer<I>) {
        let v = vals - 1, x = ids - 1
        let val = v[k], id = x[k]
        var i = 1
        while true {
            let i1 = i << 1, i2 = i1 + 1
            if i1 > k { break }
            if i2 == k + 1 || above(v[i1], v[i2], x[i1], x[i2]) {
                if above(val, v[i1], id, x[i1]) { break }
                v[i] = v[i1]; x[i] = x[i1]; i = i1
            } else {
                if above(val, v[i2], id, x[i2]) { break }
                v[i] = v[i2]; x[i] = x[i2]; i = i2
            }
        }
        v[i] = v[k]; x[i] = x[k]
    }

    /// Replaces the top of a full heap of `k` entries by `(val, id)`.
    @inline(__always)
    static func replaceTop<I: BinaryInteger>(_ k: Int, _ vals: UnsafeMutablePointer<Float>,
                                            _ ids: UnsafeMutablePointer<I>, _ val: Float, _ id: I) {
        let v = vals - 1, x = ids - 1
        var i = 1
        while true {
            let i1 = i << 1, i2 = i1 + 1
            if i1 > k { break }
            if i2 > k || above(v[i1], v[i2], x[i1], x[i2]) {
                if above(val, v[i1], id, x[i1]) { break }
                v[i] = v[i1]; x[i] = x[i1]; i = i1
            } else {
                if above(val, v[i2], id, x[i2]) { break }
                v[i] = v[i2]; x[i] = x[i2]; i = i2
            }
        }
        v[i] = val; x[i] = id
    }
}

/// Bounded top-k collector over "smaller is better" values: keeps the `k` smallest `(value, id)`
/// pairs (ties: smaller id wins), and emits them sorted ascending, padded with (+∞ → worst, −1).
struct TopK {
    let k: Int
    private(set) var n = 0
    var vals: [Float]
    var ids: [Int]

    init(k: Int) {
        self.k = k
        vals = [Float](repeating: .greatestFiniteMagnitude, count: k)
        ids = [Int](repeating: -1, count: k)
    }

    /// Current admission threshold: a value must be below this to enter a full collector.
    @inline(__always) var worst: Float { n < k ? .infinity : vals[0] }

    @inline(__always)
    mutating func insert(_ val: Float, _ id: Int) {
        if n < k {
            n += 1
            let size = n
            vals.withUnsafeMutableBufferPointer { v in
                ids.withUnsafeMutableBufferPointer { x in MaxHeap.push(size, v.baseAddress!, x.baseAddress!, val, id) }
            }
        } else if val < vals[0] {   // strict, as faiss: an equal value never displaces
            let size = k
            vals.withUnsafeMutableBufferPointer { v in
                ids.withUnsafeMutableBufferPointer { x in MaxHeap.replaceTop(size, v.baseAddress!, x.baseAddress!, val, id) }
            }
        }
    }

    /// Empties the collector for the next query (keeps its storage).
    mutating func reset() { n = 0 }

    /// Writes the entries ascending by (value, id) to `outV`/`outI` (`k` slots), padding missing
    /// entries with (`Float.greatestFiniteMagnitude`, −1). Destroys the heap order (call `reset` next).
    mutating func drainSorted(into outV: UnsafeMutablePointer<Float>, _ outI: UnsafeMutablePointer<Int>) {
        let count = n
        vals.withUnsafeMutableBufferPointer { v in
            ids.withUnsafeMutableBufferPointer { x in
                // Heap pops give descending (value, id); fill from the back.
                var size = count
                while size > 0 {
                    outV[size - 1] = v[0]
                    outI[size - 1] = x[0]
                    MaxHeap.pop(size, v.baseAddress!, x.baseAddress!)
                    size -= 1
                }
            }
        }
        for j in count ..< k { outV[j] = .greatestFiniteMagnitude; outI[j] = -1 }
        n = 0
    }
}
