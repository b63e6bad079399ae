/// Dot products and squared L2 distances over raw rows, with SIMD16 accumulators
/// (scalar loops do not vectorise; platform-notes.md "Swift kernels").
enum Distances {
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while i + 32 <= d {
            acc0 += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc1 += rx.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                * ry.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            i += 32
        }
        if i + 16 <= d {
            acc0 += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < d { s += x[i] * y[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func l2sq(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while i + 32 <= d {
            let a = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let b = rx.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                - ry.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            acc0 += a * a
            acc1 += b * b
            i += 32
        }
        if i + 16 <= d {
            let a = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc0 += a * a
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < d { let t = x[i] - y[i]; s += t * t; i += 1 }
        return s
    }

    /// HNSW distance ("smaller is better", §7): −⟨x, y⟩ for inner product, squared L2 otherwise.
    @inline(__always)
    static func hnsw(_ metric: Metric, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ d: Int) -> Float {
        metric == .innerProduct ? -dot(x, y, d) : l2sq(x, y, d)
    }
}
