import Tensor
import TestSupport
import XCTest
@testable import Models

/// The gradients of DPR's mean pooling, with and without the unit-length step, against finite differences
/// (the end-to-end RAG path trains the context encoder through them): `h [2, 4, 6]` with one padded position
/// in row 1, so the mask's constant weights and the per-row counts are exercised too.
final class PoolingGradientTests: XCTestCase {
    func testMeanAndUnitLengthMeanPoolingGradients() throws {
        let mask = try IntTensor(shape: [2, 4], scalars: [1, 1, 1, 1, 1, 1, 1, 0])
        for normalized in [false, true] {
            let h = try Tensor.randn([2, 4, 6], generator: RNG(seed: normalized ? 7 : 8))
            try GradCheck.check(inputs: [h]) { try DPREncoder.meanPooled($0[0], mask: mask, normalized: normalized) }
        }
    }

    func testUnitLengthRowsAndPaddingDoNotChangeTheMean() throws {
        let mask = try IntTensor(shape: [2, 3], scalars: [1, 1, 0, 1, 0, 0])
        let h = try Tensor(shape: [2, 3, 2], scalars: [3, 0, 1, 4, 100, 100, 0, 2, 50, 50, 7, 7])
        let mean = try DPREncoder.meanPooled(h, mask: mask)
        XCTAssertEqual(mean.scalars, [2, 2, 0, 2])
        let unit = try DPREncoder.meanPooled(h, mask: mask, normalized: true)
        XCTAssertEqual(unit.scalars[0], Float(1 / 2.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(unit.scalars[3], 1, accuracy: 1e-6)
    }
}
