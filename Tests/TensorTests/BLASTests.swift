import CBLAS
import XCTest
@testable import Tensor

final class BLASTests: XCTestCase {
    func testSgemmSmallProduct() {
        let a: [Float] = [1, 2, 3, 4]   // [[1,2],[3,4]]
        let b: [Float] = [5, 6, 7, 8]   // [[5,6],[7,8]]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
        XCTAssertFalse(BLAS.coreName.isEmpty)
    }
}

final class BLASKernelTests: XCTestCase {
    let avx512: Set<String> = ["sse2", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    func testPlanCoversEveryCase() {
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "Prescott", cpuFlags: avx512), .reexecWithFastKernel)
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "Prescott", cpuFlags: ["sse2", "avx2"]), .unsupportedCPU)
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "Haswell", cpuFlags: avx512), .reexecWithFastKernel)
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "Zen", cpuFlags: avx512), .reexecWithFastKernel)
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "Haswell", cpuFlags: ["sse2", "avx2"]), .unsupportedCPU)
        XCTAssertEqual(BLASKernel.plan(environment: [:], coreName: "SkylakeX", cpuFlags: avx512), .alreadyFast("SkylakeX"))
        XCTAssertEqual(BLASKernel.plan(environment: ["OPENBLAS_CORETYPE": "Zen"], coreName: "Prescott", cpuFlags: avx512),
                       .keepUserSetting("Zen"))
        XCTAssertEqual(BLASKernel.plan(environment: ["RAGTIME_BLAS_AUTOSELECT": "0"], coreName: "Prescott", cpuFlags: avx512), .optedOut)
        XCTAssertEqual(BLASKernel.plan(environment: ["RAGTIME_BLAS_REEXEC": "1", "OPENBLAS_CORETYPE": "SkylakeX"],
                                       coreName: "SkylakeX", cpuFlags: avx512), .verifyAfterReexec)
        // After a failed self-check the marker stops any further re-execution.
        XCTAssertEqual(BLASKernel.plan(environment: ["RAGTIME_BLAS_REEXEC": "failed"], coreName: "Prescott", cpuFlags: avx512),
                       .fallbackAfterFailedCheck)
    }

    func testSelfCheckPassesOnTheActiveKernel() {
        XCTAssertTrue(BLASKernel.selfCheck(), "sgemm disagrees with the naive product on kernel \(BLAS.coreName)")
    }

    func testCPUFlagsAreRead() {
        XCTAssertFalse(BLASKernel.cpuFlags().isEmpty)
    }
}
