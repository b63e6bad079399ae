import Runtime
import TestSupport
import XCTest

/// Interpreter API used by the REPL and the executable: completion, help, state, reset, interrupts.
final class InterpreterTests: XCTestCase {
    private func interpreter() -> Interpreter { Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path)) }

    func testCompletionOfNamesNamespaceMembersAndMethods() throws {
        let interp = interpreter()
        try interp.run(source: "xs = [1]\nt = tensor.ones([2])\nprefix_var = 1", name: "c.rag", output: StringSink())
        XCTAssertEqual(interp.completions(for: "pri"), ["print"])
        XCTAssertEqual(interp.completions(for: "prefix_"), ["prefix_var"])
        XCTAssertEqual(interp.completions(for: "tensor.ra"), ["tensor.rand", "tensor.randn"])
        XCTAssertEqual(interp.completions(for: "xs.ap"), ["xs.append"])
        XCTAssertEqual(interp.completions(for: "t.sh"), ["t.shape"])
        XCTAssertEqual(interp.completions(for: "t.grad.x"), [])  // nil grad: no members
        XCTAssertEqual(interp.completions(for: "nothing.x"), [])
        XCTAssertTrue(interp.completions(for: "wh").contains("while"))
    }

    /// The longest chains the parser allows evaluate (no stack overflow): 990 additions, 490 method calls (a member and a call each).
    func testTheLongestAllowedChainsEvaluate() throws {
        let interp = interpreter()
        let out = StringSink()
        try interp.run(source: "print(" + Array(repeating: "1", count: 990).joined(separator: " + ") + ")", name: "c.rag", output: out)
        try interp.run(source: "print(\"a\"" + String(repeating: ".upper()", count: 490) + ")", name: "m.rag", output: out)
        XCTAssertEqual(out.text, "990\nA\n")
    }

    /// Values nested 200,000 levels deep (built by a loop) display, compare, search and release without a
    /// crash; ordering stops with an error past its depth limit; ordering lists that share sublists is linear;
    /// equality of two self-containing lists ends.
    func testDeepAndSharedValues() throws {
        let interp = interpreter()
        let out = StringSink()
        let source = """
        x = []
        for i in range(200000) { x = [x] }
        y = []
        for i in range(200000) { y = [y] }
        d = {}
        for i in range(200000) { d = {k: d} }
        print("deeper than 1000 levels" in str(x), x == y, x in [1, y], len(str(d)) > 1000)
        a = [1]
        a.append(a)
        b = [1]
        b.append(b)
        z = []
        for i in range(60) { z = [z, z] }
        w = []
        for i in range(60) { w = [w, w] }
        print(a == b, z < w, z == w, [[1, [2]]] < [[1, [3]]])
        x = nil
        y = nil
        d = nil
        print("released")
        """
        try interp.run(source: source, name: "deep.rag", output: out)
        XCTAssertEqual(out.text, "true true true true\ntrue false true true\nreleased\n")
        XCTAssertThrowsError(try interp.run(source: "p = []\nfor i in range(2000) { p = [p] }\nq = []\nfor i in range(2000) { q = [q] }\np < q",
                                            name: "order.rag", output: out)) { error in
            XCTAssertTrue("\(error)".contains("cannot order lists nested deeper than 1000 levels"), "\(error)")
        }
    }

    func testStateSurvivesErrorsAndResetClearsIt() throws {
        let interp = interpreter()
        let out = StringSink()
        try interp.run(source: "a = 1", name: "s.rag", output: out)
        XCTAssertThrowsError(try interp.run(source: "a = a + nope", name: "s2.rag", output: out))
        try interp.run(source: "a", name: "s3.rag", output: out)
        XCTAssertEqual(out.text, "1\n")
        XCTAssertEqual(interp.userVariables.map(\.name), ["a"])
        interp.reset()
        XCTAssertTrue(interp.userVariables.isEmpty)
        XCTAssertThrowsError(try interp.run(source: "a", name: "s4.rag", output: out)) { error in
            XCTAssertEqual((error as? ScriptError)?.exitCode, 70)
        }
    }

    func testInterruptStopsALoopWithExitCode130() {
        let interp = interpreter()
        var polls = 0
        interp.interruptCheck = {
            polls += 1
            return polls > 1000
        }
        XCTAssertThrowsError(try interp.run(source: "i = 0\nwhile true { i += 1 }", name: "loop.rag", output: StringSink())) {
            error in
            let scriptError = error as? ScriptError
            XCTAssertEqual(scriptError?.exitCode, 130)
            XCTAssertEqual(scriptError?.rendered.components(separatedBy: "\n").first, "loop.rag:2:1: error: interrupted")
        }
        interp.interruptCheck = { false }
        let out = StringSink()
        XCTAssertNoThrow(try interp.run(source: "i > 0", name: "after.rag", output: out))
        XCTAssertEqual(out.text, "true\n")
    }

    func testRegisteringAnExtraDomainTable() throws {
        final class Counter { var n = 0 }
        var type = HandleType(Counter.self, name: "Counter", doc: "counts") { "Counter(\(($0 as? Counter)?.n ?? -1))" }
        type.methods = [Builtin("bump", [Param("by", default: .int(1))], "bump(by: 1)") { args in
            let counter = try args.receiver(as: Counter.self)
            counter.n += try args.int("by")
            return .int(counter.n)
        }]
        type.properties = [Property("value", "the count") { value in
            guard case .handle(let object) = value, let counter = object as? Counter else { return .null }
            return .int(counter.n)
        }]
        let table = BuiltinTable(namespaces: [NamespaceTable("demo", doc: "test domain", functions: [
            Builtin("counter", [], "counter() -> Counter") { _ in .handle(Counter()) },
        ])], handleTypes: [type])
        let interp = Interpreter(tables: BuiltinRegistry.tables + [table])
        let out = StringSink()
        try interp.run(source: "c = demo.counter()\nc.bump()\nc.bump(by: 5)\nc.value\nc\ntype(c)", name: "d.rag", output: out)
        XCTAssertEqual(out.text, "1\n6\n6\nCounter(6)\n\"Counter\"\n")
        XCTAssertEqual(interp.completions(for: "c.b"), ["c.bump"])
        XCTAssertThrowsError(try interp.run(source: "c.bmp()", name: "e.rag", output: out)) { error in
            XCTAssertTrue((error as? ScriptError)?.rendered.contains("Counter has no member 'bmp'; did you mean 'bump'?") == true)
        }
    }
}
