import CBLAS
import Dispatch
import Support
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Thread settings and a chunked parallel-for for the Swift kernels.
///
/// `Parallel.threadCount` (default: online cores) bounds how many workers an elementwise/reduction
/// kernel uses; setting it also sets OpenBLAS's thread count. Kernels split work only when each
/// chunk has at least a grain of work, so small tensors stay on the calling thread.
public enum Parallel {
    /// Cores available to this process.
    public static var coreCount: Int { WorkerThreads.online }

    /// Worker threads used by kernels and by OpenBLAS (the process-wide `WorkerThreads` setting).
    public static var threadCount: Int {
        get { WorkerThreads.count }
        set {
            WorkerThreads.count = newValue
            BLAS.threadCount = WorkerThreads.count
        }
    }

    /// Calls `body` on disjoint sub-ranges covering `0..<total`, on up to `threadCount` threads,
    /// with at least `grain` items per chunk. Runs inline when one chunk suffices. Up to
    /// `chunksPerThread` chunks per thread are handed out dynamically, so a worker that loses its core
    /// to another process (the machine is shared) does not hold up the whole op.
    static func forEach(_ total: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        let chunks = threads == 1 ? min(1, total / max(grain, 1)) : min(threads * chunksPerThread, total / max(grain, 1))
        if chunks <= 1 {
            if total > 0 { body(0..<total) }
            return
        }
        let per = (total + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * per, hi = min(total, lo + per)
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }

    static let chunksPerThread = 4

    /// Runs `body` with OpenBLAS limited to one thread (for many small independent products run
    /// in parallel across items, e.g. attention heads), restoring the previous count afterwards.
    static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        let before = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(before)) }
        return try body()
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; the kernels guarantee disjoint writes.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
