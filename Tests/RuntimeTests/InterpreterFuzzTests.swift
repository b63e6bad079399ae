import Foundation
import Runtime
import Syntax
import TestSupport
import XCTest

/// Running arbitrary (parseable) programs never crashes the process: random token soup and random
/// truncations of the golden scripts end normally or with a rendered error. Loops are cut off by the
/// interrupt hook after a fixed number of safe points.
final class InterpreterFuzzTests: XCTestCase {
    static let pieces = [
        "x", "y", "xs", "d", "f", "=", "+=", "(", ")", "[", "]", "{", "}", ",", ":", ";", "\n", ".", "+", "-", "*",
        "/", "%", "**", "@", "==", "<", "and", "or", "not", "in", "1", "0", "-1", "2.5", "\"s\"", "\"{x}\"", "nil",
        "true", "[1, 2]", "{a: 1}", "len", "range", "print", "str", "sorted", "fn", "return", "if", "else",
        "while", "for", "break", "tensor.ones([2])", "tensor.from([[1, 2]])", ".T", ".sum()", ".shape", "math.sqrt",
        "json.dump", "xs.append", "d.keys()", "int", "float", "abs", "min", "max", "[::-1]", "[0]", "[1:]",
    ]

    private func run(_ source: String, name: String) {
        guard case .success = Parser.parse(source: source, file: name) else { return }
        let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path, maxCallDepth: 50))
        var polls = 0
        interpreter.interruptCheck = {
            polls += 1
            return polls > 20_000
        }
        do {
            try interpreter.run(source: source, name: name, output: StringSink())
        } catch {
            XCTAssertTrue(error.rendered.contains("error: "), "\(name): \(error.rendered)")
        }
    }

    func testRandomProgramsNeverCrash() {
        var executed = 0
        for seed in 0..<6000 {
            var rng = SplitMix(state: UInt64(seed) &* 31 &+ 1)
            let count = Int.random(in: 1...12, using: &rng)
            let source = (0..<count).map { _ in Self.pieces.randomElement(using: &rng)! }.joined(separator: " ")
            if case .success = Parser.parse(source: source, file: "soup.rag") { executed += 1 }
            run(source, name: "soup-\(seed).rag")
        }
        XCTAssertGreaterThan(executed, 300, "too few soups parse to exercise the interpreter")
    }

    func testTruncatedGoldenScriptsNeverCrash() throws {
        _ = FileManager.default.changeCurrentDirectoryPath(RepoPaths.root.path)
        let scripts = GoldenTests.cases()
        var rng = SplitMix(state: 11)
        for script in scripts {
            let lines = try String(contentsOf: script, encoding: .utf8).components(separatedBy: "\n")
            for _ in 0..<8 {
                let cut = Int.random(in: 0...lines.count, using: &rng)
                run(lines[..<cut].joined(separator: "\n"), name: GoldenTests.relativePath(script))
            }
        }
    }
}
