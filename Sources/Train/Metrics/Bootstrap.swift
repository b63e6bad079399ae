import Tensor

/// Paired bootstrap confidence intervals for comparing two systems scored on the same questions.
public enum Bootstrap {
    /// The mean per-question improvement of `b` over `a` ("end2end minus original") and a percentile
    /// bootstrap interval for it.
    ///
    /// `a[i]` and `b[i]` are the two systems' scores on question `i` (e.g. 0/1 hits or EM, or F1), so the
    /// arrays have the same non-zero length n. With `d[i] = b[i] - a[i]`, `difference = mean(d)`
    /// (equal to `mean(b) - mean(a)` up to rounding). Each of `samples` replicates draws n question
    /// indices uniformly with replacement, the same indices for both systems (paired), and records the
    /// mean of `d` over them. The replicate means are sorted ascending and the bounds are taken by the
    /// nearest-rank rule: the percentile p ∈ (0, 1) is the value at 1-based rank `⌈p · samples⌉`
    /// (at least 1; a product within 1e-9 of a whole number is taken as that number, so 0.025 · 10000 is
    /// rank 250 despite binary rounding),
    /// for `p = (1 - confidence) / 2` (low) and `p = 1 - (1 - confidence) / 2` (high), so `low <= high`
    /// and both are actual replicate means. The draws come from `RNG(seed:)` through an unbiased bounded
    /// integer rule, so the same inputs and seed give the same interval on every platform.
    ///
    /// Throws `TrainError.data` for empty, unequal-length or non-finite scores and `TrainError.config`
    /// for `samples < 1` or `confidence` outside (0, 1).
    public static func pairedDifference(_ a: [Double], _ b: [Double], samples: Int = 10_000, seed: UInt64 = 0,
                                        confidence: Double = 0.95) throws -> (difference: Double, low: Double, high: Double) {
        guard a.count == b.count, !a.isEmpty else {
            throw TrainError.data("paired bootstrap: \(a.count) scores for system a, \(b.count) for system b (need equal, non-zero counts)")
        }
        guard samples >= 1 else { throw TrainError.config("paired bootstrap: samples must be >= 1, got \(samples)") }
        guard confidence > 0, confidence < 1 else {
            throw TrainError.config("paired bootstrap: confidence must be in (0, 1), got \(confidence)")
        }
        let d = zip(a, b).map { $1 - $0 }
        if let bad = d.firstIndex(where: { !$0.isFinite }) {
            throw TrainError.data("paired bootstrap: question \(bad) has a non-finite score (a \(a[bad]), b \(b[bad]))")
        }
        let n = d.count
        let rng = RNG(seed: seed)
        var means = [Double](repeating: 0, count: samples)
        d.withUnsafeBufferPointer { d in
            for s in 0..<samples {
                var sum = 0.0
                for _ in 0..<n { sum += d[index(below: UInt64(n), rng)] }
                means[s] = sum / Double(n)
            }
        }
        means.sort()
        let tail = (1 - confidence) / 2
        return (d.reduce(0, +) / Double(n), nearestRank(means, tail), nearestRank(means, 1 - tail))
    }

    /// The value at 1-based rank `⌈p · count⌉` (clamped to 1...count) of ascending `sorted`. A product within
    /// 1e-9 of a whole number counts as that number, so binary rounding of p (0.05 / 2 is slightly above
    /// 0.025) does not move the rank (0.025 · 10000 is rank 250, not 251).
    private static func nearestRank(_ sorted: [Double], _ p: Double) -> Double {
        let x = p * Double(sorted.count), whole = x.rounded()
        let rank = abs(x - whole) <= 1e-9 * max(1, whole) ? whole : x.rounded(.up)
        return sorted[min(sorted.count, max(1, Int(rank))) - 1]
    }

    /// Uniform integer in `0..<bound` (bound >= 1): Lemire's multiply-high with rejection, no modulo bias.
    @inline(__always)
    private static func index(below bound: UInt64, _ rng: RNG) -> Int {
        var m = rng.next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = rng.next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }
}
