@testable import Models
import XCTest

/// The generator's input strings RAG builds from retrieved passages (transformers `RagRetriever.postprocess_docs`).
final class GeneratorInputTests: XCTestCase {
    func testGeneratorInputStrings() throws {
        // transformers `RagRetriever.postprocess_docs`.
        let s = try GeneratorInput.strings(titles: ["\"Hamlet\""], texts: ["Hamlet is a tragedy by William  Shakespeare."],
                                           questions: ["who wrote hamlet?"], nDocs: 1)
        XCTAssertEqual(s, ["Hamlet / Hamlet is a tragedy by William Shakespeare. // who wrote hamlet?"])
        XCTAssertEqual(GeneratorInput.collapseDoubleSpaces("a   b    c     d"), "a  b  c   d")
        let two = try GeneratorInput.strings(titles: ["\"a", "b\"", "\"\""], texts: ["x", "y", "z"], questions: ["q1", "q2", "q3"],
                                             nDocs: 1, prefix: "P ")
        XCTAssertEqual(two, ["P a / x // q1", "P b / y // q2", "P  / z // q3"].map(GeneratorInput.collapseDoubleSpaces))
        XCTAssertThrowsError(try GeneratorInput.strings(titles: ["a"], texts: ["b"], questions: ["q1", "q2"], nDocs: 1))
    }
}
