#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size float buffer (64-byte aligned; 16 for zero-filled `calloc` blocks; kernels use
/// unaligned SIMD loads). Several `Tensor`s may share one `Storage` (views made by
/// `reshaped`), so the engine never writes into a storage that an op did not just allocate.
final class Storage: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    /// True when `base` came from `calloc` (released with `free`).
    private let fromCalloc: Bool

    /// Uninitialised storage of `count` floats (callers write every element before reading).
    init(count: Int) {
        self.count = count
        fromCalloc = false
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Zero-filled storage from `calloc`: large blocks come as fresh zero pages, so a sparse
    /// gradient (embedding rows, slices) only pays for the pages it touches (16-byte aligned).
    init(zeroedCount count: Int) {
        self.count = count
        fromCalloc = true
        guard let raw = calloc(max(count, 1), 4) else { fatalError("out of memory allocating \(count) floats") }
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Storage filled with `value`.
    convenience init(count: Int, repeating value: Float) {
        if value == 0 && value.sign == .plus {
            self.init(zeroedCount: count)
        } else {
            self.init(count: count)
            base.update(repeating: value, count: count)
        }
    }

    deinit {
        if fromCalloc { free(base) } else { UnsafeMutableRawPointer(base).deallocate() }
    }
}
