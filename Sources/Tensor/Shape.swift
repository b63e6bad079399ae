import Foundation
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

    /// Throws unless every dimension is non-negative and the element count fits `maxElements` (computed
    /// with overflow checks): every shape that comes from a user, a file or a shape rule (broadcasting,
    /// matmul) passes here before its tensor is allocated.
    static func validate(_ shape: [Int], op: String) throws {
        _ = try checkedCount(shape, op: op)
    }

    /// The element count of `shape`, or a located error when a dimension is negative or the tensor would not
    /// fit this machine's memory.
    static func checkedCount(_ shape: [Int], op: String) throws -> Int {
        if shape.contains(where: { $0 < 0 }) {
            throw TensorError.invalidShape(op: op, shape: shape, reason: "negative dimension")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow || product > maxElements {
                throw TensorError.invalidShape(op: op, shape: shape, reason: tooLarge(shape))
            }
            count = product
        }
        return count
    }

    /// The largest tensor an op allocates: the machine's physical memory in float32 elements. A larger one
    /// cannot be held at all; below it, whether several fit together is the system's call.
    static let maxElements: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 1 << 32 }
        return max(1 << 20, pages / 4 * size)
    }()

    static func tooLarge(_ shape: [Int]) -> String {
        let elements = shape.reduce(1.0) { $0 * Double($1) }
        func gb(_ x: Double) -> String { String(format: "%.1f GB", x / 1e9) }
        return "needs \(gb(elements * 4)) (\(elements) float32 values); this machine has \(gb(Double(maxElements) * 4)) of memory"
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
        if (try? checkedCount(out, op: op)) == nil {
            throw TensorError.invalidShape(op: op, shape: out, reason: "broadcasting \(a) with \(b) " + tooLarge(out))
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
        guard d >= 0, d < rank else {
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
