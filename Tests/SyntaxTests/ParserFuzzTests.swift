import Foundation
import XCTest
@testable import Syntax
import TestSupport

/// The parser never crashes: random token soup and random truncations of the golden scripts always
/// give a program or a located diagnostic (a line/column inside the input, or just past its end).
final class ParserFuzzTests: XCTestCase {

    static let pieces = [
        "fn", "if", "elif", "else", "while", "for", "in", "return", "break", "continue", "import", "and", "or",
        "not", "true", "false", "nil", "x", "y", "f", "tensor", ".", ",", ":", ";", "(", ")", "[", "]", "{", "}",
        "+", "-", "*", "/", "%", "**", "@", "==", "!=", "<", "<=", ">", ">=", "=", "+=", "\n", " ", "1", "2.5",
        "1e-3", "\"s\"", "\"a{x}b\"", "\"{", "'q'", "#c\n", "\\", "$", "\"", "é", "\t", "99999999999999999999",
    ]

    private func checkResult(_ source: String, _ label: String) {
        let result = Parser.parse(source: source, file: "fuzz.rag")
        let diagnostic: Diagnostic
        switch result {
        case .success: return
        case .incomplete(let d), .failure(let d): diagnostic = d
        }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let location = diagnostic.location
        XCTAssertEqual(location.file, "fuzz.rag", label)
        XCTAssertGreaterThanOrEqual(location.line, 1, label)
        XCTAssertLessThanOrEqual(location.line, lines.count, "\(label): \(diagnostic)")
        if location.line >= 1 && location.line <= lines.count {
            let width = lines[location.line - 1].unicodeScalars.count
            XCTAssertTrue((1...width + 1).contains(location.column), "\(label): \(diagnostic)")
        }
        XCTAssertFalse(diagnostic.message.isEmpty, label)
        XCTAssertTrue(diagnostic.rendered(source: source).contains("^"), label)
    }

    func testRandomTokenSoup() {
        for seed in 0..<3000 {
            var rng = SplitMix(state: UInt64(seed))
            let count = Int.random(in: 1...40, using: &rng)
            let source = (0..<count).map { _ in Self.pieces.randomElement(using: &rng)! }.joined(separator: " ")
            checkResult(source, "seed \(seed): \(source.debugDescription)")
        }
    }

    func testRandomTruncationsOfGoldenScripts() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("test_dir/golden")
        let scripts = (FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "rag" } ?? []).sorted { $0.path < $1.path }
        XCTAssertGreaterThan(scripts.count, 40)
        var rng = SplitMix(state: 7)
        var inputs = 0
        for script in scripts {
            let scalars = Array(try String(contentsOf: script, encoding: .utf8).unicodeScalars)
            for _ in 0..<40 {
                let cut = Int.random(in: 0...scalars.count, using: &rng)
                let source = String(String.UnicodeScalarView(scalars[..<cut]))
                checkResult(source, "\(script.lastPathComponent) cut at \(cut)")
                inputs += 1
            }
        }
        XCTAssertGreaterThan(inputs, 2000)
    }
}
