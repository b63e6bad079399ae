import XCTest
@testable import Index

/// `MinimaxHeap.popMin` (vectorised `rt_minimax_argmin`) against faiss's scalar `pop_min` rule:
/// the highest slot among valid ids (!= −1) whose distance is the minimum over valid slots.
final class MinimaxHeapTests: XCTestCase {
    private func referenceSlot(_ ids: [Int32], _ dis: [Float], _ k: Int) -> Int? {
        var best: Int?
        for i in 0 ..< k where ids[i] != -1 {
            if best == nil || dis[i] <= dis[best!] { best = i }
        }
        return best
    }

    func testPopMinMatchesScalarRuleWithTiesAndHoles() {
        var rng = SystemRandomNumberGenerator()
        // Sizes around the 16-lane blocks, and ef-sized heaps; few distinct values so ties are common.
        for k in [1, 2, 15, 16, 17, 31, 32, 33, 47, 64, 100, 1024, 2048] {
            for trial in 0 ..< (k >= 1024 ? 6 : 20) {
                var heap = MinimaxHeap(capacity: k + 3)
                heap.k = k
                let distinct = trial % 2 == 0 ? 4 : 1000
                for i in 0 ..< k + 3 {
                    heap.dis[i] = Float(Int.random(in: 0 ..< distinct, using: &rng)) - 2
                    heap.ids[i] = Int32.random(in: 0 ..< 4, using: &rng) == 0 ? -1 : Int32(i)
                }
                if trial == 3 { heap.dis[k - 1] = -.infinity; heap.ids[k - 1] = 7 }
                if trial == 5 { for i in 0 ..< k { heap.dis[i] = .infinity } }
                heap.nvalid = heap.ids[0 ..< k].filter { $0 != -1 }.count
                // Slots at or past k (garbage left from earlier use) must never be chosen.
                heap.dis[k] = -1000; heap.ids[k] = 99
                while true {
                    let want = referenceSlot(heap.ids, heap.dis, k)
                    let wantD = want.map { heap.dis[$0] }, wantId = want.map { heap.ids[$0] }
                    let got = heap.popMin()
                    XCTAssertEqual(got?.id, wantId, "k \(k) trial \(trial)")
                    XCTAssertEqual(got?.d, wantD, "k \(k) trial \(trial)")
                    if want == nil || got == nil { break }
                    XCTAssertEqual(heap.ids[want!], -1, "popped slot is marked −1")
                }
                XCTAssertEqual(heap.nvalid, 0)
            }
        }
    }
}
