import Dispatch
import Foundation
import Support

/// Splitting work over the machine's cores with `DispatchQueue.concurrentPerform`.
enum Parallel {
    /// The process-wide thread setting (`WorkerThreads`: the online cores unless the user or the MPI
    /// set-up chose fewer).
    static var coreCount: Int { WorkerThreads.count }

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

    /// Dynamic scheduling (as faiss's OpenMP `schedule(guided)` search loops): up to `threads`
    /// workers each call `worker(next)` once; `next()` hands out consecutive `grain`-sized ranges of
    /// `0..<count` until none remain. A worker slowed by other load on its core simply takes fewer
    /// ranges, where a static split would make everyone wait for it. Workers keep per-thread scratch.
    static func forDynamicChunks(_ count: Int, threads: Int, grain: Int,
                                 _ worker: @Sendable (_ next: () -> Range<Int>?) -> Void) {
        if count == 0 { return }
        let g = max(1, grain)
        let workers = max(1, min(threads, (count + g - 1) / g))
        let cursor = ChunkCursor(count: count, grain: g)
        if workers == 1 { worker(cursor.next); return }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in worker(cursor.next) }
    }
}

/// The shared position of `Parallel.forDynamicChunks`.
private final class ChunkCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    let count: Int, grain: Int

    init(count: Int, grain: Int) { self.count = count; self.grain = grain }

    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        if position >= count { return nil }
        let lo = position
        position = min(count, lo + grain)
        return lo ..< position
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
