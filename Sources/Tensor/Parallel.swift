import CBLAS
import Support

#if canImport(Glibc)
import Glibc
#endif

/// Thread settings of the Swift kernels and OpenBLAS, and the kernels' policy for `ParallelFor`.
///
/// `Parallel.threadCount` (default: online cores) bounds how many workers an elementwise/reduction
/// kernel uses; setting it also sets OpenBLAS's thread count. Kernels split work only when each
/// chunk has at least a grain of work, so small tensors stay on the calling thread.
public enum Parallel {
    /// Worker threads used by kernels and by OpenBLAS (the process-wide `WorkerThreads` setting).
    public static var threadCount: Int {
        get { WorkerThreads.count }
        set {
            WorkerThreads.count = newValue
            BLAS.threadCount = WorkerThreads.count
        }
    }

    /// `ParallelFor.chunks` with the kernels' policy: `threadCount` threads, at least `grain` items a chunk, up to
    /// `chunksPerThread` chunks a thread.
    static func forEach(_ total: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        ParallelFor.chunks(total, threads: threadCount, minChunk: grain, chunksPerThread: chunksPerThread, body)
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
