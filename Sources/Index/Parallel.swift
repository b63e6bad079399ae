import Dispatch
import Foundation

/// Splitting work over the machine's cores with `DispatchQueue.concurrentPerform`.
enum Parallel {
    static var coreCount: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Calls `body(range)` on contiguous chunks covering `0..<count`, in parallel when `threads > 1`.
    static func forChunks(_ count: Int, threads: Int = coreCount, minChunk: Int = 1,
                          _ body: @Sendable (Range<Int>) -> Void) {
        if count == 0 { return }
        let parts = max(1, min(threads, count / max(1, minChunk)))
        if parts == 1 { body(0 ..< count); return }
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = count * p / parts, hi = count * (p + 1) / parts
            if lo < hi { body(lo ..< hi) }
        }
    }
}

/// A raw pointer that may cross threads; the caller guarantees disjoint writes (or tolerated races,
/// as faiss tolerates racy reads of neighbour lists during a parallel build).
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// One pthread mutex per node, as faiss keeps one OpenMP lock per vertex during a parallel add.
final class NodeLocks: @unchecked Sendable {
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    let count: Int

    init(count: Int) {
        self.count = count
        locks = .allocate(capacity: max(1, count))
        for i in 0 ..< count { pthread_mutex_init(locks + i, nil) }
    }

    deinit {
        for i in 0 ..< count { pthread_mutex_destroy(locks + i) }
        locks.deallocate()
    }

    @inline(__always) func lock(_ i: Int) { pthread_mutex_lock(locks + i) }
    @inline(__always) func unlock(_ i: Int) { pthread_mutex_unlock(locks + i) }
}
