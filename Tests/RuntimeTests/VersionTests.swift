import XCTest
@testable import Runtime

final class VersionTests: XCTestCase {
    func testVersionIsSemantic() {
        XCTAssertEqual(RagtimeVersion.string.split(separator: ".").count, 3)
    }
}
