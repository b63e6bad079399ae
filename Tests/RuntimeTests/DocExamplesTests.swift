import Foundation
import Runtime
import TestSupport
import XCTest

/// Every ```rag block in docs/language.md that is followed by an ```out block is a golden case: run
/// through `Interpreter.run` (as `example.rag`, fresh interpreter) it must print exactly the out block.
final class DocExamplesTests: XCTestCase {
    func testLanguageReferenceExamples() throws {
        let doc = try String(contentsOf: RepoPaths.url("docs/language.md"), encoding: .utf8)
        let examples = Self.examples(in: doc)
        XCTAssertGreaterThanOrEqual(examples.count, 8)
        _ = FileManager.default.changeCurrentDirectoryPath(RepoPaths.root.path)
        for (index, example) in examples.enumerated() {
            let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
            let out = StringSink()
            do {
                try interpreter.run(source: example.code, name: "example.rag", output: out)
            } catch {
                XCTFail("example \(index + 1) failed:\n\(error.rendered)\n--- code:\n\(example.code)")
                continue
            }
            if out.text != example.expected {
                XCTFail("example \(index + 1) differs:\n" + Golden.unifiedDiff(expected: example.expected, actual: out.text))
            }
        }
    }

    /// (code, expected output) pairs: a ```rag fence directly followed by a ```out fence.
    static func examples(in doc: String) -> [(code: String, expected: String)] {
        let lines = doc.components(separatedBy: "\n")
        var result: [(String, String)] = []
        var i = 0
        func block(from start: Int) -> (text: String, end: Int)? {
            var j = start
            var body: [String] = []
            while j < lines.count && lines[j] != "```" { body.append(lines[j]); j += 1 }
            return j < lines.count ? (body.map { $0 + "\n" }.joined(), j) : nil
        }
        while i < lines.count {
            if lines[i] == "```rag", let code = block(from: i + 1), code.end + 1 < lines.count,
               lines[code.end + 1] == "```out", let out = block(from: code.end + 2) {
                result.append((code.text, out.text))
                i = out.end + 1
            } else {
                i += 1
            }
        }
        return result
    }
}
