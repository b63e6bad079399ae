import Foundation

/// The HNSW graph exactly as faiss stores it (faiss v1.7.4, `faiss/impl/HNSW.h`: `levels`, `offsets`,
/// `neighbors`, `assign_probas`, `cum_nneighbor_per_level`; docs/index-kb.md).
///
/// Node `i` has level `levels[i] − 1` and owns the neighbour slots
/// `offsets[i] ..< offsets[i + 1]`; its list at level `ℓ` is
/// `neighbors[offsets[i] + cum[ℓ] ..< offsets[i] + cum[ℓ + 1]]`, read until the first −1.
/// Level 0 has `2M` slots, every higher level `M`.
public struct HNSWGraph: Sendable, Equatable {
    public let m: Int
    /// Probability of each level (float32 values stored as float64, as faiss does).
    public internal(set) var assignProbas: [Double]
    /// `[0, 2M, 3M, …]`, one entry more than the number of levels.
    public internal(set) var cumNeighborsPerLevel: [Int32]
    /// `[ntotal]`, each = level + 1.
    public internal(set) var levels: [Int32] = []
    /// `[ntotal + 1]` slot offsets.
    public internal(set) var offsets: [Int] = [0]
    /// `[offsets[ntotal]]` neighbour ids, −1 = empty.
    public internal(set) var neighbors: [Int32] = []
    public internal(set) var entryPoint: Int32 = -1
    public internal(set) var maxLevel: Int32 = -1
    public var efConstruction: Int = 40
    public var efSearch: Int = 16
    public internal(set) var upperBeam: Int32 = 1
    /// The level generator (`mt19937(12345)`); not stored in files, so a loaded graph restarts it.
    var levelRNG = MersenneTwister(seed: 12345)

    public static func == (a: HNSWGraph, b: HNSWGraph) -> Bool {
        a.m == b.m && a.assignProbas == b.assignProbas && a.cumNeighborsPerLevel == b.cumNeighborsPerLevel
            && a.levels == b.levels && a.offsets == b.offsets && a.neighbors == b.neighbors
            && a.entryPoint == b.entryPoint && a.maxLevel == b.maxLevel
            && a.efConstruction == b.efConstruction && a.efSearch == b.efSearch
    }

    /// faiss `HNSW(M)` + `set_default_probas(M, 1 / ln M)` (faiss `IndexHNSW` construction parameters).
    public init(m: Int) {
        self.m = m
        let levelMult = Float(1.0 / log(Double(m)))
        var probas: [Double] = []
        var cum: [Int32] = [0]
        var total = 0
        var level = 0
        while true {
            let a = Double(Float(-level) / levelMult)
            let b = Double(Float(-1) / levelMult)
            let proba = Float(exp(a) * (1 - exp(b)))
            if proba < 1e-9 { break }
            probas.append(Double(proba))
            total += level == 0 ? 2 * m : m
            cum.append(Int32(total))
            level += 1
        }
        assignProbas = probas
        cumNeighborsPerLevel = cum
    }

    /// A graph read from a file; the caller validates it with `checkInvariants`.
    init(m: Int, assignProbas: [Double], cum: [Int32], levels: [Int32], offsets: [Int], neighbors: [Int32],
         entryPoint: Int32, maxLevel: Int32, efConstruction: Int, efSearch: Int, upperBeam: Int32) {
        self.m = m
        self.assignProbas = assignProbas
        cumNeighborsPerLevel = cum
        self.levels = levels
        self.offsets = offsets
        self.neighbors = neighbors
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.upperBeam = upperBeam
    }

    public var count: Int { levels.count }

    /// Number of neighbour slots of a node with `levels[i] == levelPlusOne`.
    func slots(levelPlusOne: Int) -> Int { Int(cumNeighborsPerLevel[levelPlusOne]) }

    /// Slot range of node `i` at `level`.
    public func neighborRange(of i: Int, level: Int) -> Range<Int> {
        let o = offsets[i]
        return o + Int(cumNeighborsPerLevel[level]) ..< o + Int(cumNeighborsPerLevel[level + 1])
    }

    /// The neighbours of `i` at `level` (up to the first −1).
    public func neighbors(of i: Int, level: Int) -> [Int] {
        var out: [Int] = []
        for s in neighborRange(of: i, level: level) {
            let v = neighbors[s]
            if v < 0 { break }
            out.append(Int(v))
        }
        return out
    }

    /// faiss `random_level` (faiss `HNSW::random_level`).
    mutating func randomLevel() -> Int {
        var f = Double(levelRNG.nextFloat())
        for (level, p) in assignProbas.enumerated() {
            if f < p { return level }
            f -= p
        }
        return assignProbas.count - 1
    }

    /// faiss `prepare_level_tab`: draws levels for `n` new nodes in id order and extends
    /// `levels`, `offsets`, `neighbors` (new slots −1). Returns the highest new level.
    mutating func prepareLevels(newCount n: Int) -> Int {
        var top = 0
        for _ in 0 ..< n {
            let level = randomLevel()
            levels.append(Int32(level + 1))
            top = max(top, level)
            offsets.append(offsets[offsets.count - 1] + slots(levelPlusOne: level + 1))
        }
        neighbors.append(contentsOf: repeatElement(-1, count: offsets[offsets.count - 1] - neighbors.count))
        return top
    }
}
