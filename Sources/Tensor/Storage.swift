#if canImport(Glibc)
import Glibc
#endif

/// A fixed-size float buffer (64-byte aligned; 16 for zero-filled `calloc` blocks; kernels use
/// unaligned SIMD loads). Several `Tensor`s may share one `Storage` (views made by
/// `reshaped`), so the engine never writes into a storage that an op did not just allocate.
///
/// Aligned blocks are cut from a plain `malloc` of 64 extra bytes, not from `posix_memalign`: glibc
/// before 2.38 serves an aligned request of n bytes from a free chunk only if it holds n + alignment +
/// a minimum chunk, so a freed aligned block never fits the same request again and, with large blocks
/// kept on the heap (`MemoryTuning`), the heap grew with every batch (measured: MiniLM KB encoding,
/// peak RSS 1.7 GB after 20 batches and 2.9-3.4 GB after 60, with 12-20k page faults per batch).
final class Storage: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    let count: Int
    /// What `free` releases: the `malloc`/`calloc` block that `base` lies in.
    private let block: UnsafeMutableRawPointer

    static let alignment = 64

    /// Uninitialised storage of `count` floats (callers write every element before reading).
    init(count: Int) {
        self.count = count
        guard let raw = malloc(max(count, 1) * 4 + Storage.alignment) else {
            fatalError("out of memory allocating \(count) floats")
        }
        block = raw
        let address = (Int(bitPattern: raw) + Storage.alignment - 1) & ~(Storage.alignment - 1)
        base = UnsafeMutableRawPointer(bitPattern: address)!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Zero-filled storage from `calloc`: large blocks come as fresh zero pages, so a sparse
    /// gradient (embedding rows, slices) only pays for the pages it touches (16-byte aligned).
    init(zeroedCount count: Int) {
        self.count = count
        guard let raw = calloc(max(count, 1), 4) else { fatalError("out of memory allocating \(count) floats") }
        block = raw
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
        free(block)
    }
}
