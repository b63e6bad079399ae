import Support
import Synchronization
import XCTest

/// The one parallel loop: ranges are disjoint, cover every index once, respect the minimum chunk, and run inline
/// when one thread is asked for.
final class ParallelForTests: XCTestCase {
    func testChunksCoverEveryIndexOnce() {
        for (count, threads, minChunk, perThread) in [(0, 2, 1, 1), (1, 2, 1, 1), (5, 2, 1, 1), (1000, 2, 8, 4), (7, 16, 1, 4), (100, 3, 40, 1)] {
            let hits = Mutex<[Int]>(Array(repeating: 0, count: count))
            let ranges = Mutex<[Range<Int>]>([])
            ParallelFor.chunks(count, threads: threads, minChunk: minChunk, chunksPerThread: perThread) { r in
                ranges.withLock { $0.append(r) }
                hits.withLock { for i in r { $0[i] += 1 } }
            }
            XCTAssertTrue(hits.withLock { $0.allSatisfy { $0 == 1 } }, "\(count) \(threads)")
            let all = ranges.withLock { $0 }
            XCTAssertLessThanOrEqual(all.count, max(1, threads * perThread))
            if all.count > 1 { XCTAssertTrue(all.sorted { $0.lowerBound < $1.lowerBound }.dropLast().allSatisfy { $0.count >= minChunk }) }
        }
    }

    func testOneThreadRunsInlineAsOneRange() {
        let caller = Thread.current
        var seen: [Range<Int>] = []
        ParallelFor.chunks(100, threads: 1, chunksPerThread: 4) { r in
            XCTAssertTrue(Thread.current == caller)
            seen.append(r)
        }
        XCTAssertEqual(seen, [0..<100])
    }

    func testDynamicChunksHandOutEveryRangeOnce() {
        let total = Atomic<Int>(0), calls = Atomic<Int>(0)
        ParallelFor.dynamicChunks(1003, threads: 4, grain: 10) { next in
            calls.add(1, ordering: .relaxed)
            while let r = next() { total.add(r.reduce(0, +), ordering: .relaxed) }
        }
        XCTAssertEqual(total.load(ordering: .relaxed), (0..<1003).reduce(0, +))
        XCTAssertLessThanOrEqual(calls.load(ordering: .relaxed), 4)
    }
}
