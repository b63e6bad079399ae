import Foundation
@testable import Index
import TestSupport

/// Seeded data for the index tests (TestSupport's SplitMix64 + Box–Muller), so every run sees the same vectors.
typealias SeededGenerator = SplitMix

extension SplitMix {
    init(seed: UInt64) { self.init(state: seed) }

    mutating func gaussian() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne ..< 1, using: &self)
        let u2 = Double.random(in: 0 ..< 1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    mutating func matrix(rows: Int, dimension: Int) -> [Float] {
        (0 ..< rows * dimension).map { _ in gaussian() }
    }

    /// Rows drawn around the given centres (`[clusters * dimension]`, spread 0.3): the clustered shape.
    mutating func clustered(rows: Int, dimension: Int, centres: [Float]) -> [Float] {
        let clusters = centres.count / dimension
        var out: [Float] = []
        out.reserveCapacity(rows * dimension)
        for _ in 0 ..< rows {
            let c = Int.random(in: 0 ..< clusters, using: &self)
            for j in 0 ..< dimension { out.append(centres[c * dimension + j] + 0.3 * gaussian()) }
        }
        return out
    }
}

/// Naive exact top-k (the reference for FlatIndex): sorts all (value, id), smaller value better.
func naiveTopK(_ xb: [Float], _ xq: [Float], d: Int, k: Int, metric: Metric) -> (ids: [Int], scores: [Float]) {
    let n = xb.count / d, nq = xq.count / d
    var ids: [Int] = [], scores: [Float] = []
    for q in 0 ..< nq {
        var all: [(Double, Int)] = []
        for i in 0 ..< n {
            var s = 0.0
            for j in 0 ..< d {
                let a = Double(xq[q * d + j]), b = Double(xb[i * d + j])
                s += metric == .innerProduct ? a * b : (a - b) * (a - b)
            }
            all.append((metric == .innerProduct ? -s : s, i))
        }
        all.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for e in all.prefix(k) {
            ids.append(e.1)
            scores.append(Float(metric == .innerProduct ? -e.0 : e.0))
        }
    }
    return (ids, scores)
}

/// Fraction of the exact top-k ids that the approximate result found (recall@k).
func recall(_ approx: SearchResults, _ exact: SearchResults) -> Double {
    var hit = 0
    for q in 0 ..< exact.queryCount {
        let truth = Set(exact.ids(ofQuery: q))
        hit += approx.ids(ofQuery: q).filter { truth.contains($0) }.count
    }
    return Double(hit) / Double(exact.queryCount * exact.k)
}
