import Dispatch
import Foundation

/// The one parallel loop of the code base (tensor kernels and vector indexes alike), on
/// `DispatchQueue.concurrentPerform`, with `WorkerThreads.count` threads unless a caller asks for fewer.
public enum ParallelFor {
    /// Calls `body` on disjoint contiguous ranges covering `0..<count`: at most `threads * chunksPerThread`
    /// ranges of at least `minChunk` items each (the last may be shorter), each of `ceil(count / ranges)`
    /// items. Runs inline on the calling thread when one range suffices or `threads` is 1. With
    /// `chunksPerThread` > 1 a worker that loses its core to another process (the machine is shared) takes
    /// fewer ranges instead of holding up the loop. `body` may run concurrently with itself: it must write
    /// disjoint memory for disjoint ranges.
    public static func chunks(_ count: Int, threads: Int = WorkerThreads.count, minChunk: Int = 1, chunksPerThread: Int = 1,
                              _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let ranges = threads <= 1 ? 1 : max(1, min(threads * max(1, chunksPerThread), count / max(1, minChunk)))
        if ranges == 1 { body(0..<count); return }
        let per = (count + ranges - 1) / ranges
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: ranges) { c in
                let lo = c * per, hi = min(count, lo + per)
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }

    /// Dynamic scheduling (as faiss's OpenMP `schedule(guided)` search loops): up to `threads` workers each
    /// call `worker(next)` once; `next()` hands out consecutive `grain`-sized ranges of `0..<count` until none
    /// remain, so workers can keep per-thread scratch and a slowed worker simply takes fewer ranges.
    public static func dynamicChunks(_ count: Int, threads: Int = WorkerThreads.count, grain: Int,
                                     _ worker: (_ next: () -> Range<Int>?) -> Void) {
        if count <= 0 { return }
        let g = max(1, grain)
        let workers = max(1, min(threads, (count + g - 1) / g))
        let cursor = ChunkCursor(count: count, grain: g)
        if workers == 1 { worker(cursor.next); return }
        withoutActuallyEscaping(worker) { worker in
            let box = UncheckedSendable(worker)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in box.value(cursor.next) }
        }
    }
}

/// Carries a non-Sendable value (a loop body) into `concurrentPerform`; `ParallelFor`'s callers guarantee
/// disjoint writes.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// The shared position of `ParallelFor.dynamicChunks`.
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
