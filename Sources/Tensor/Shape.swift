/// Shape arithmetic shared by all ops: element counts, row-major strides, broadcasting and dimension
/// normalisation. Shapes are plain `[Int]`; `[]` is a scalar (one element).
enum Shape {
    /// Number of elements of `shape` (1 for a scalar).
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major (C order) element strides of a contiguous tensor of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// Throws unless every dimension is non-negative.
    static func validate(_ shape: [Int], op: String) throws {
        if shape.contains(where: { $0 < 0 }) {
            throw TensorError.invalidShape(op: op, shape: shape, reason: "negative dimension")
        }
    }

    /// NumPy broadcasting: align on the right; each pair of dims must be equal or contain a 1.
    static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw TensorError.shapeMismatch(op: op, lhs: a, rhs: b,
                                                reason: "cannot broadcast dimension \(da) with \(db)")
            }
        }
        return out
    }

    /// Element strides to read a tensor of `shape` as if it had shape `target` (0 on broadcast dims).
    /// Precondition: `shape` broadcasts to `target`.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let pad = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + pad] == 1 {
            out[i + pad] = shape[i] == 1 ? 0 : own[i]
        }
        return out
    }

    /// Maps a possibly negative `dim` (Python style) into `0..<rank`.
    static func normalize(dim: Int, rank: Int, op: String) throws -> Int {
        let d = dim < 0 ? dim + rank : dim
        guard d >= 0, d < max(rank, 1) else {
            throw TensorError.invalidArgument(op: op, reason: "dimension \(dim) out of range for rank \(rank)")
        }
        return d
    }

    /// Normalised, sorted, duplicate-free dims; `nil` means all dims.
    static func normalize(dims: [Int]?, rank: Int, op: String) throws -> [Int] {
        guard let dims else { return Array(0..<rank) }
        var seen = Set<Int>()
        for dim in dims {
            let d = try normalize(dim: dim, rank: rank, op: op)
            guard seen.insert(d).inserted else {
                throw TensorError.invalidArgument(op: op, reason: "dimension \(dim) repeated in \(dims)")
            }
        }
        return seen.sorted()
    }

    /// Splits `shape` around `dim` into (outer, size, inner) element counts.
    static func split(_ shape: [Int], at dim: Int) -> (outer: Int, size: Int, inner: Int) {
        (count(Array(shape[..<dim])), shape[dim], count(Array(shape[(dim + 1)...])))
    }
}
