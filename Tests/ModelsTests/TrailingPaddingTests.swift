@testable import Models
import Tensor
import XCTest

/// TrailingPadding's width rule: drop only columns that are padding in every row, never when a row has no token.
final class TrailingPaddingTests: XCTestCase {
    func testKeptWidthIsTheLongestRow() throws {
        let mask = try IntTensor(shape: [3, 5], scalars: [1, 1, 0, 0, 0,
                                                          1, 1, 1, 0, 0,
                                                          0, 1, 0, 0, 0])    // left padding counts too
        XCTAssertEqual(TrailingPadding.keptWidth(mask), 3)
        let ids = try IntTensor(shape: [3, 5], scalars: Array(0..<15))
        XCTAssertEqual(try TrailingPadding.leadingColumns(ids, 3), try IntTensor(shape: [3, 3], scalars: [0, 1, 2, 5, 6, 7, 10, 11, 12]))
    }

    func testNothingIsDroppedWithoutATailOrWithATokenlessRow() throws {
        XCTAssertNil(TrailingPadding.keptWidth(try IntTensor(shape: [2, 3], scalars: [1, 1, 1, 1, 0, 0])))
        XCTAssertNil(TrailingPadding.keptWidth(try IntTensor(shape: [2, 3], scalars: [1, 0, 0, 0, 0, 0])))
    }
}
