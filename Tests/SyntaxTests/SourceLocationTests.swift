import XCTest
@testable import Syntax

final class SourceLocationTests: XCTestCase {
    func testDescriptionIsFileLineColumn() {
        XCTAssertEqual(SourceLocation(file: "a.rag", line: 3, column: 7).description, "a.rag:3:7")
    }
}
