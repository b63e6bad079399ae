import REPL
import Runtime
import TestSupport
import XCTest

/// The prompt loop driven by a `ScriptedLineReader`: continuation prompts, error recovery,
/// meta-commands. (REPLTerminalTests drives the real binary in a terminal.)
final class REPLSessionTests: XCTestCase {
    private func session(_ lines: [String]) -> (out: StringSink, err: StringSink, prompts: [String]) {
        let interpreter = Interpreter(options: .init(stdlibPath: RepoPaths.url("stdlib").path))
        let out = StringSink(), err = StringSink()
        let reader = PromptRecorder(lines: lines)
        let session = REPLSession(interpreter: interpreter, reader: reader, output: out, errors: err)
        session.run()
        return (out, err, reader.box.prompts)
    }

    func testMultiLineFunctionUsesContinuationPrompts() {
        let (out, err, prompts) = session(["fn add(a, b) {", "  return a + b", "}", "add(40, 2)"])
        XCTAssertEqual(prompts, [REPLSession.prompt, REPLSession.continuationPrompt, REPLSession.continuationPrompt,
                                 REPLSession.prompt, REPLSession.prompt])
        XCTAssertEqual(out.text, "42\n\n")
        XCTAssertEqual(err.text, "")
    }

    func testErrorKeepsStateAndSessionContinues() {
        let (out, err, _) = session(["x = 5", "x / 0", "y = x + 1", "y"])
        XCTAssertEqual(out.text, "6\n\n")
        XCTAssertTrue(err.text.hasPrefix("<repl:2>:1:3: error: division by zero\n    x / 0\n      ^"), err.text)
    }

    func testSyntaxErrorIsReportedNotContinued() {
        let (out, err, prompts) = session(["x = )", "1 + 1"])
        XCTAssertEqual(out.text, "2\n\n")
        XCTAssertTrue(err.text.contains("error: expected an expression, found ')'"), err.text)
        XCTAssertEqual(prompts.first, REPLSession.prompt)
        XCTAssertEqual(prompts.dropFirst().first, REPLSession.prompt)
    }

    func testMetaCommands() throws {
        let notebook = FileManager.default.temporaryDirectory.appendingPathComponent("repl-cells-\(UUID()).rag")
        try "base = 1\n#%% one\na = base + 1\n#%% two\nb = 20\nb\n".write(to: notebook, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: notebook) }
        let (out, err, _) = session([
            "v = [1, 2]", ":vars", ":cells \(notebook.path)", ":cell \(notebook.path) two", ":vars",
            ":load \(notebook.path)", "a", ":time 6 * 7", ":help len", ":reset", ":vars", ":nope", ":lod x", ":quit", "never",
        ])
        let text = out.text
        XCTAssertTrue(text.contains("v = [1, 2]\n"), text)
        XCTAssertTrue(text.contains("1: one  (lines 2-3)\n2: two  (lines 4-6)\n"), text)
        XCTAssertTrue(text.contains("20\nb = 20\nv = [1, 2]\n"), text)
        XCTAssertTrue(text.contains("2\n42\ntime: "), text)
        XCTAssertTrue(text.contains("len(x) -> Int"), text)
        XCTAssertTrue(text.contains("session reset\n(no variables)\n"), text)
        XCTAssertFalse(text.contains("never"))
        XCTAssertEqual(err.text, "unknown command ':nope' (:help lists the commands)\n"
                           + "unknown command ':lod'; did you mean ':load'? (:help lists the commands)\n")
    }
}

/// A reader that shares its prompt log with the test after the session consumed it.
private final class PromptRecorder: LineReader {
    final class Box { var prompts: [String] = [] }
    let box = Box()
    private var lines: [String]
    init(lines: [String]) { self.lines = lines }
    func readLine(prompt: String) -> String? {
        box.prompts.append(prompt)
        return lines.isEmpty ? nil : lines.removeFirst()
    }
}
