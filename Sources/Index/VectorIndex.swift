/// The shared face of `FlatIndex` and `HNSWIndex` (docs/index-kb.md).
///
/// Matrices are flat row-major `[Float]`: `n` rows of `dimension` values. Ids are the row numbers in
/// insertion order (faiss labels). Scores follow faiss: inner products (descending) for
/// `.innerProduct`, squared L2 distances (ascending) for `.l2`.
///
///     let index = try FlatIndex(dimension: 2, metric: .innerProduct)
///     try index.add([1, 0,  0, 1])               // ids 0 and 1
///     let r = try index.search([0.9, 0.1], k: 1) // r.ids == [0], r.scores == [0.9]

/// faiss metric codes (file field `metric_type`).
public enum Metric: Int32, Sendable, CaseIterable {
    case innerProduct = 0
    case l2 = 1

    /// True when a larger score is better (inner product).
    public var isSimilarity: Bool { self == .innerProduct }
}

/// Top-k results of a batch search: `queryCount` rows of `k` entries, best first.
/// Missing results (possible only for HNSW on a disconnected graph) have id −1 and the worst score.
public struct SearchResults: Sendable, Equatable {
    public let queryCount: Int
    public let k: Int
    /// `[queryCount * k]` row numbers.
    public var ids: [Int]
    /// `[queryCount * k]` inner products or squared L2 distances.
    public var scores: [Float]

    public init(queryCount: Int, k: Int, ids: [Int], scores: [Float]) {
        precondition(ids.count == queryCount * k && scores.count == queryCount * k, "SearchResults shape")
        self.queryCount = queryCount
        self.k = k
        self.ids = ids
        self.scores = scores
    }

    public func ids(ofQuery q: Int) -> ArraySlice<Int> { ids[q * k ..< (q + 1) * k] }
    public func scores(ofQuery q: Int) -> ArraySlice<Float> { scores[q * k ..< (q + 1) * k] }
}

public protocol VectorIndex: AnyObject {
    var dimension: Int { get }
    var metric: Metric { get }
    /// Number of stored vectors (faiss `ntotal`).
    var count: Int { get }
    /// Appends `vectors.count / dimension` rows; their ids continue from `count`.
    func add(_ vectors: [Float]) throws
    /// Exact or approximate top-`k` for each query row.
    func search(_ queries: [Float], k: Int) throws -> SearchResults
    /// The stored vector with id `id` (`dimension` values).
    func vector(at id: Int) -> [Float]
}

/// Input checks shared by the indexes; each failure is a typed error naming the input.
enum InputCheck {
    /// Returns the row count of a flat matrix, or throws if it is not whole rows or holds NaN/Inf.
    static func rows(of matrix: [Float], dimension d: Int, what: String) throws -> Int {
        if matrix.count % d != 0 {
            throw IndexError.dimensionMismatch(expected: d, got: matrix.count, what:
                "\(what) (\(matrix.count) values are not whole rows of \(d))")
        }
        try finite(matrix, dimension: d, what: what)
        return matrix.count / d
    }

    static func finite(_ matrix: [Float], dimension d: Int, what: String) throws {
        if let bad = matrix.firstIndex(where: { !$0.isFinite }) {
            throw IndexError.nonFinite(what: what, row: bad / d, column: bad % d)
        }
    }

    static func searchable(k: Int, count: Int) throws {
        if count == 0 { throw IndexError.emptyIndex }
        if k < 1 { throw IndexError.invalidK(k) }
        if k > count { throw IndexError.kTooLarge(k: k, count: count) }
    }
}
