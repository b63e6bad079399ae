import XCTest
@testable import Syntax

final class ParserTests: XCTestCase {
    private func statements(_ source: String) throws -> [Stmt] {
        switch Parser.parse(source: source, file: "t.rag") {
        case .success(let program): return program.statements
        case .incomplete(let d), .failure(let d): throw d
        }
    }

    private func isIncomplete(_ source: String) -> Bool {
        if case .incomplete = Parser.parse(source: source, file: "t.rag") { return true }
        return false
    }

    private func failure(_ source: String) -> Diagnostic? {
        if case .failure(let d) = Parser.parse(source: source, file: "t.rag") { return d }
        return nil
    }

    /// Left-deep chains (operators, calls, members, indexing) count toward the tree-depth limit: evaluating them
    /// recurses as deep as they are long, so a long flat expression is a located syntax error, not a crash.
    func testLongFlatChainsAreLimited() throws {
        let n = Parser.maxTreeDepth - 10
        XCTAssertNoThrow(try statements("x = " + Array(repeating: "1", count: n).joined(separator: " + ")))
        for long in ["x = " + Array(repeating: "1", count: 5000).joined(separator: " + "),
                     "x = a" + String(repeating: "[0]", count: 2000), "x = f" + String(repeating: "()", count: 2000),
                     "x = a" + String(repeating: ".b", count: 2000), "x = " + Array(repeating: "a", count: 2000).joined(separator: " and "),
                     "x = " + String(repeating: "(1 + ", count: 100) + Array(repeating: "1", count: 950).joined(separator: " * ") + String(repeating: ")", count: 100)] {
            let d = try XCTUnwrap(failure(long), String(long.prefix(40)))
            XCTAssertTrue(d.message.contains("more than \(Parser.maxTreeDepth) chained operations"), d.message)
        }
    }

    func testIncompleteInputIsDistinguishedFromErrors() {
        for open in ["x = (1 +", "fn f(a, b) {", "xs = [1, 2,", "d = {a: 1,", "s = \"abc", "if x {\n  y = 1",
                     "\"{1 +", "while true { if x {"] {
            XCTAssertTrue(isIncomplete(open), open)
        }
        for bad in ["x = )", "1 +\n", "fn 1", "x = [1 2]", "if x y", "$"] {
            XCTAssertFalse(isIncomplete(bad), bad)
            XCTAssertNotNil(failure(bad), bad)
        }
    }

    func testUnclosedBracketIsReportedAtTheBracket() {
        guard case .incomplete(let d) = Parser.parse(source: "a = 1\nb = f(1,\n  [2", file: "t.rag") else {
            return XCTFail("expected incomplete")
        }
        XCTAssertEqual(d.description, "t.rag:3:3: error: '[' is never closed")
    }

    func testLocationsOnNodes() throws {
        let stmts = try statements("x = 1\n  y = x + foo(2)")
        XCTAssertEqual(stmts[1].location, SourceLocation(file: "t.rag", line: 2, column: 3))
        guard case .assign(_, _, let value) = stmts[1].kind, case .binary(.add, _, let call) = value.kind else {
            return XCTFail("shape")
        }
        XCTAssertEqual(value.location.column, 9)  // the operator
        XCTAssertEqual(call.location.column, 11)  // the callee name
    }

    func testPrecedence() throws {
        let stmts = try statements("-2 ** 2 + 3 * 4 @ m < 1 and not b or c")
        guard case .expression(let e) = stmts[0].kind, case .or(let lhs, _) = e.kind,
              case .and(let cmp, let notB) = lhs.kind, case .unary(.not, _) = notB.kind,
              case .binary(.less, let sum, _) = cmp.kind, case .binary(.add, let neg, let prod) = sum.kind,
              case .unary(.negate, let pow) = neg.kind, case .binary(.power, _, _) = pow.kind,
              case .binary(.matmul, let mul, _) = prod.kind, case .binary(.multiply, _, _) = mul.kind
        else { return XCTFail("unexpected tree \(stmts)") }
    }

    func testStringInterpolationAndEscapes() throws {
        let stmts = try statements(#""a\t{x + 1}\{b\}""#)
        guard case .expression(let e) = stmts[0].kind, case .string(let parts) = e.kind, parts.count == 3,
              case .text("a\t") = parts[0], case .interpolation(let inner) = parts[1],
              case .binary(.add, _, _) = inner.kind, case .text("{b}") = parts[2]
        else { return XCTFail("unexpected parts") }
        XCTAssertEqual(inner.location.column, 8)  // the "+" inside the braces
    }

    func testNamedArgumentsSlicesAndStatements() throws {
        let stmts = try statements("""
            fn f(a, b: 2) { for k, v in d { if k { continue } elif v { break } else { return a } } }
            t[0, 1:3, ::2] += f(1, b: 3)
            import "prelude"
            while x { x = x - 1 }
            """)
        XCTAssertEqual(stmts.count, 4)
        guard case .assign(let target, .add, let value) = stmts[1].kind, case .index(_, let items) = target.kind,
              items.count == 3, case .call(_, let args) = value.kind, args[1].label == "b"
        else { return XCTFail("unexpected tree") }
        guard case .importStmt("prelude") = stmts[2].kind else { return XCTFail("import") }
    }

    func testErrorsSayWhatWasExpected() {
        XCTAssertEqual(failure("f(a: 1, 2)")?.message, "positional argument after a named argument")
        XCTAssertEqual(failure("fn f(a: 1, b) {}")?.message,
                       "parameter 'b' without a default follows one with a default")
        XCTAssertEqual(failure("break")?.message, "'break' outside a loop")
        XCTAssertEqual(failure("x = [1 2]")?.message, "expected ']' to close the list, found '2'")
        XCTAssertEqual(failure(String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500))?.message,
                       "expression nested too deeply (limit 128)")
    }
}
