import XCTest
@testable import Index

final class HNSWTests: XCTestCase {
    func testMersenneTwisterMatchesStdMt19937() {
        var mt = MersenneTwister(seed: 5489)
        for _ in 0 ..< 9999 { _ = mt.next() }
        XCTAssertEqual(mt.next(), 4_123_659_995)   // the C++ standard's required 10000th value
    }

    func testLevelTablesMatchSpecTestVectors() {
        let g128 = HNSWGraph(m: 128)
        XCTAssertEqual(g128.assignProbas, [0.9921875, 0.00775146484375, 6.0558319091796875e-05,
                                           4.731116121092782e-07, 3.6961862459605754e-09])
        XCTAssertEqual(g128.cumNeighborsPerLevel, [0, 256, 384, 512, 640, 768])
        let g32 = HNSWGraph(m: 32)
        XCTAssertEqual(g32.assignProbas, [0.96875, 0.030273444950580597, 0.0009460453293286264,
                                          2.9563916541519575e-05, 9.238728466698376e-07, 2.88710388929303e-08])
        XCTAssertEqual(g32.cumNeighborsPerLevel, [0, 64, 96, 128, 160, 192, 224])
    }

    func testInvariantsHoldAfterSequentialAndParallelBuilds() throws {
        var rng = SeededGenerator(seed: 11)
        let d = 16
        let xb = rng.matrix(rows: 1500, dimension: d)
        for metric in Metric.allCases {
            for threads in [1, 2] {
                let index = try HNSWIndex(dimension: d, m: 6, metric: metric)
                index.addThreads = threads
                try index.add(Array(xb[0 ..< 700 * d]))
                try index.add(Array(xb[(700 * d)...]))
                XCTAssertEqual(index.count, 1500)
                XCTAssertNoThrow(try index.graph.checkInvariants(), "\(metric), \(threads) threads")
                XCTAssertGreaterThan(index.graph.maxLevel, 0)
            }
        }
    }

    func testSequentialBuildIsDeterministic() throws {
        var rng = SeededGenerator(seed: 3)
        let xb = rng.matrix(rows: 400, dimension: 8)
        let a = try HNSWIndex(dimension: 8, m: 4), b = try HNSWIndex(dimension: 8, m: 4)
        a.addThreads = 1; b.addThreads = 1
        try a.add(xb); try b.add(xb)
        XCTAssertEqual(a.graph, b.graph)
    }

    /// Seeded property test: recall@10 of HNSW against the exact FlatIndex, random and clustered data,
    /// both metrics, several seeds.
    func testRecallAgainstFlatIndex() throws {
        let d = 24, n = 2000, nq = 100, k = 10
        for seed: UInt64 in [1, 2, 3] {
            var rng = SeededGenerator(seed: seed)
            let clustered = seed == 2
            let centres = rng.matrix(rows: 20, dimension: d)
            let xb = clustered ? rng.clustered(rows: n, dimension: d, centres: centres) : rng.matrix(rows: n, dimension: d)
            let xq = clustered ? rng.clustered(rows: nq, dimension: d, centres: centres) : rng.matrix(rows: nq, dimension: d)
            for metric in Metric.allCases {
                let flat = try FlatIndex(dimension: d, metric: metric)
                try flat.add(xb)
                let hnsw = try HNSWIndex(dimension: d, m: 16, metric: metric)
                try hnsw.add(xb)
                try hnsw.graph.checkInvariants()
                let exact = try flat.search(xq, k: k)
                let r16 = recall(try hnsw.search(xq, k: k), exact)
                let r128 = recall(try hnsw.search(xq, k: k, efSearch: 128), exact)
                XCTAssertGreaterThan(r16, 0.6, "seed \(seed) \(metric) ef16")
                XCTAssertGreaterThan(r128, 0.95, "seed \(seed) \(metric) ef128")
                XCTAssertGreaterThanOrEqual(r128, r16, "larger efSearch never lowers recall here")
            }
        }
    }

    func testSearchOfStoredVectorsFindsThemselvesFirst() throws {
        var rng = SeededGenerator(seed: 5)
        let d = 16
        let xb = rng.matrix(rows: 600, dimension: d)
        let index = try HNSWIndex(dimension: d, m: 8, metric: .l2)
        try index.add(xb)
        let r = try index.search(Array(xb[0 ..< 50 * d]), k: 1, efSearch: 64)
        XCTAssertEqual(r.ids, Array(0 ..< 50))
        XCTAssertEqual(r.scores, [Float](repeating: 0, count: 50))
    }

    func testInvariantCheckerCatchesBrokenGraphs() throws {
        var rng = SeededGenerator(seed: 9)
        let index = try HNSWIndex(dimension: 4, m: 4)
        index.addThreads = 1
        try index.add(rng.matrix(rows: 200, dimension: 4))
        let good = index.graph
        func expectViolation(_ mutate: (inout HNSWGraph) -> Void, _ fragment: String) {
            var g = good
            mutate(&g)
            XCTAssertThrowsError(try g.checkInvariants()) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) should mention \(fragment)")
            }
        }
        let first = good.neighborRange(of: 0, level: 0).lowerBound
        expectViolation({ $0.neighbors[first] = 0 }, "self-loop")
        expectViolation({ $0.neighbors[first] = 999 }, "outside")
        expectViolation({ $0.neighbors[first] = -1 }, "not packed")
        expectViolation({ g in
            let e = Int(g.entryPoint)
            let other = (0 ..< g.count).first { g.levels[$0] == 1 }!
            g.entryPoint = Int32(other)
            _ = e
        }, "not the top level")
        expectViolation({ $0.levels[0] += 1 }, "slots")
        expectViolation({ $0.offsets.removeLast() }, "offsets")
    }

    func testBadInput() throws {
        XCTAssertThrowsError(try HNSWIndex(dimension: 8, m: 1)) {
            guard case .invalidParameter = $0 as? IndexError else { return XCTFail("\($0)") }
        }
        let index = try HNSWIndex(dimension: 3)
        XCTAssertThrowsError(try index.search([1, 2, 3], k: 1)) { XCTAssertEqual($0 as? IndexError, .emptyIndex) }
        XCTAssertThrowsError(try index.add([1, 2, .nan])) {
            XCTAssertEqual($0 as? IndexError, .nonFinite(what: "vectors to add", row: 0, column: 2))
        }
        try index.add([1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try index.search([1, 2], k: 1)) {
            guard case .dimensionMismatch(3, 2, _) = $0 as? IndexError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try index.search([1, 2, 3], k: 5)) { XCTAssertEqual($0 as? IndexError, .kTooLarge(k: 5, count: 2)) }
        XCTAssertThrowsError(try index.search([1, .nan, 3], k: 1))
    }
}
