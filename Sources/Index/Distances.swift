import CVectorKernels

/// Dot products and squared L2 distances over raw rows. The loops are C kernels compiled for
/// AVX-512 / AVX2 / baseline and chosen by the CPU at load time (Sources/CVectorKernels): Swift's
/// SIMD types target baseline SSE only, which made single distances about 1.5–2x slower.
enum Distances {
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float { rt_dot(x, y, d) }

    @inline(__always)
    static func l2sq(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float { rt_l2sq(x, y, d) }

    /// HNSW distance ("smaller is better", faiss 1.7.4 `HNSW.cpp` / `IndexHNSW.cpp`): −⟨x, y⟩ for inner product, squared L2 otherwise.
    @inline(__always)
    static func hnsw(_ metric: Metric, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float {
        metric == .innerProduct ? -rt_dot(x, y, d) : rt_l2sq(x, y, d)
    }

    /// Four HNSW distances from one query at once (faiss `distances_batch_4`): the four rows stream
    /// from memory together, which hides latency when neighbour rows are scattered.
    @inline(__always)
    static func hnsw4(_ metric: Metric, _ q: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                      _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>, _ d: Int) -> SIMD4<Float> {
        var out = SIMD4<Float>()
        withUnsafeMutableBytes(of: &out) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            if metric == .innerProduct { rt_dot4(q, x0, x1, x2, x3, d, p) } else { rt_l2sq4(q, x0, x1, x2, x3, d, p) }
        }
        return metric == .innerProduct ? -out : out
    }
}
