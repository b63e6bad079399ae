/// Row iteration over one contiguous output and up to three strided (possibly broadcast, stride 0)
/// operands. Size-1 dimensions are dropped and adjacent dimensions that are contiguous for every
/// operand are merged, so `[8, 128, 768] + [768]` runs as 1024 rows of 768 and a permute that keeps
/// the last axis copies whole runs.
struct StridedLayout {
    /// Coalesced dimension sizes, outermost first (never empty: a scalar is `[1]`).
    private(set) var dims: [Int]
    /// `strides[k][d]`: element stride of operand `k` along coalesced dim `d`.
    private(set) var strides: [[Int]]

    init(shape: [Int], strides operandStrides: [[Int]]) {
        var dims: [Int] = []
        var strides = [[Int]](repeating: [], count: operandStrides.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = dims.last,
               operandStrides.indices.allSatisfy({ k in operandStrides[k][d] * shape[d] == strides[k].last! }) {
                // Dim d continues the previous one contiguously for every operand: merge.
                dims[dims.count - 1] = last * shape[d]
                for k in strides.indices { strides[k][strides[k].count - 1] = operandStrides[k][d] }
            } else {
                dims.append(shape[d])
                for k in strides.indices { strides[k].append(operandStrides[k][d]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            strides = strides.map { _ in [0] }
        }
        self.dims = dims
        self.strides = strides
    }

    var inner: Int { dims[dims.count - 1] }
    var rows: Int { dims.dropLast().reduce(1, *) }
    func innerStride(_ k: Int) -> Int { strides[k][dims.count - 1] }

    /// Calls `body(row, offsets)` for rows in `range`; `offsets[k]` is operand k's element offset of
    /// the row's first element. Offsets are updated incrementally (one carry chain per row).
    func forEachRow(_ range: Range<Int>, _ body: (Int, [Int]) -> Void) {
        let outerRank = dims.count - 1
        var index = [Int](repeating: 0, count: max(outerRank, 1))
        var offsets = [Int](repeating: 0, count: strides.count)
        var rest = range.lowerBound
        for d in stride(from: outerRank - 1, through: 0, by: -1) {
            index[d] = rest % dims[d]
            rest /= dims[d]
            for k in strides.indices { offsets[k] += index[d] * strides[k][d] }
        }
        for row in range {
            body(row, offsets)
            var d = outerRank - 1
            while d >= 0 {
                index[d] += 1
                for k in strides.indices { offsets[k] += strides[k][d] }
                if index[d] < dims[d] { break }
                for k in strides.indices { offsets[k] -= dims[d] * strides[k][d] }
                index[d] = 0
                d -= 1
            }
        }
    }
}

enum StridedCopy {
    /// Writes `src` read with `srcStrides` (any, including 0 for broadcast) into contiguous `dst` of
    /// `shape`. Used by permute, expand and the broadcast select.
    static func copy(_ src: UnsafePointer<Float>, strides srcStrides: [Int], shape: [Int],
                     into dst: UnsafeMutablePointer<Float>) {
        let layout = StridedLayout(shape: shape, strides: [Shape.strides(shape), srcStrides])
        let n = layout.inner, s = layout.innerStride(1)
        Parallel.forEach(layout.rows, grain: max(1, 65536 / max(n, 1))) { range in
            layout.forEachRow(range) { _, off in
                let o = dst + off[0], x = src + off[1]
                if s == 1 {
                    o.update(from: x, count: n)
                } else if s == 0 {
                    o.update(repeating: x[0], count: n)
                } else {
                    for i in 0..<n { o[i] = x[i * s] }
                }
            }
        }
    }
}
