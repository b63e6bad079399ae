import Foundation

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
