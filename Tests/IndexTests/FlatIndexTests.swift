import XCTest
@testable import Index

final class FlatIndexTests: XCTestCase {
    func testSmallInnerProductExample() throws {
        let index = try FlatIndex(dimension: 2, metric: .innerProduct)
        try index.add([1, 0, 0, 1, 0.5, 0.5])
        let r = try index.search([0.9, 0.1, 0, 2], k: 2)
        XCTAssertEqual(r.ids, [0, 2, 1, 2])
        XCTAssertEqual(r.scores, [0.9, 0.5, 2, 1])
        XCTAssertEqual(index.count, 3)
        XCTAssertEqual(index.vector(at: 2), [0.5, 0.5])
    }

    func testTiesAreBrokenByLowerId() throws {
        for metric in Metric.allCases {
            let index = try FlatIndex(dimension: 3, metric: metric)
            // Rows 1, 3 and 4 are identical; row 0 is far away.
            try index.add([9, 9, 9, 1, 2, 3, 0, 0, -5, 1, 2, 3, 1, 2, 3])
            let r = try index.search([1, 2, 3], k: 3)
            XCTAssertEqual(r.ids, metric == .l2 ? [1, 3, 4] : [0, 1, 3], "\(metric)")
        }
    }

    func testMatchesNaiveReferenceAcrossBlocks() throws {
        // More rows than one database block and more queries than one query block.
        var rng = SeededGenerator(seed: 7)
        let d = 12, n = FlatIndex.databaseBlock + 321, nq = FlatIndex.queryBlock + 9, k = 7
        let xb = rng.matrix(rows: n, dimension: d), xq = rng.matrix(rows: nq, dimension: d)
        for metric in Metric.allCases {
            let index = try FlatIndex(dimension: d, metric: metric)
            try index.add(Array(xb[0 ..< 1000 * d]))        // two adds: ids continue
            try index.add(Array(xb[(1000 * d)...]))
            let r = try index.search(xq, k: k)
            // The naive reference is slow in debug builds: check every 13th query (both query blocks).
            for q in stride(from: 0, to: nq, by: 13) {
                let ref = naiveTopK(xb, Array(xq[q * d ..< (q + 1) * d]), d: d, k: k, metric: metric)
                XCTAssertEqual(Array(r.ids(ofQuery: q)), ref.ids, "\(metric) query \(q)")
                for (a, b) in zip(r.scores(ofQuery: q), ref.scores) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b))) }
            }
        }
    }

    func testBadInputIsATypedError() throws {
        XCTAssertThrowsError(try FlatIndex(dimension: 0)) { XCTAssertEqual($0 as? IndexError, .invalidDimension(0)) }
        let index = try FlatIndex(dimension: 4)
        XCTAssertThrowsError(try index.search([1, 2, 3, 4], k: 1)) { XCTAssertEqual($0 as? IndexError, .emptyIndex) }
        XCTAssertThrowsError(try index.add([1, 2, 3])) { error in
            guard case .dimensionMismatch(4, 3, _) = error as? IndexError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("dimension 4"))
        }
        XCTAssertThrowsError(try index.add([1, 2, 3, 4, 5, .nan, 7, 8])) {
            XCTAssertEqual($0 as? IndexError, .nonFinite(what: "vectors to add", row: 1, column: 1))
        }
        XCTAssertEqual(index.count, 0, "a rejected add leaves the index unchanged")
        try index.add([1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertThrowsError(try index.search([1, 2, 3, 4], k: 3)) {
            XCTAssertEqual($0 as? IndexError, .kTooLarge(k: 3, count: 2))
            XCTAssertEqual("\($0)", "k = 3 is larger than the number of vectors in the index (2)")
        }
        XCTAssertThrowsError(try index.search([1, 2, 3, 4], k: 0)) { XCTAssertEqual($0 as? IndexError, .invalidK(0)) }
        XCTAssertThrowsError(try index.search([1, 2, .infinity, 4], k: 1)) {
            XCTAssertEqual($0 as? IndexError, .nonFinite(what: "queries", row: 0, column: 2))
        }
        XCTAssertThrowsError(try index.search([1, 2, 3, 4, 5], k: 1))
    }
}
