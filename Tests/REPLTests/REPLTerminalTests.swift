import Foundation
import TestSupport
import XCTest

/// Drives the real `ragtime` binary in a pseudo-terminal (tmux `send-keys` / `capture-pane`), the way
/// a person uses the REPL: libedit history (also across sessions), tab completion, a multi-line
/// function, an error that keeps the session, Ctrl-C stopping a loop with variables intact, Ctrl-C at
/// the prompt, Ctrl-D to leave.
final class REPLTerminalTests: XCTestCase {
    private var terminal: Terminal!
    private var historyFile: URL!

    override func setUpWithError() throws {
        let binary = RepoPaths.url(".build/debug/ragtime").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            XCTFail("\(binary) not built: run `swift build --product ragtime` first (scripts/test does)")
            throw XCTSkip("no binary")
        }
        guard FileManager.default.isExecutableFile(atPath: Terminal.tmux) else {
            XCTFail("tmux is missing (scripts/setup installs it)")
            throw XCTSkip("no tmux")
        }
        historyFile = FileManager.default.temporaryDirectory.appendingPathComponent("ragtime-history-\(UUID())")
        terminal = Terminal(command: "env RAGTIME_HISTORY=\(historyFile.path) "
                                + "RAGTIME_STDLIB=\(RepoPaths.url("stdlib").path) \(binary)")
    }

    override func tearDown() {
        terminal?.close()
        if let historyFile { try? FileManager.default.removeItem(at: historyFile) }
        super.tearDown()
    }

    func testAPersonAtTheTerminal() throws {
        let t = terminal!
        try t.start()
        try t.waitFor("ragtime>")

        // A multi-line function definition gets continuation prompts.
        t.type("fn add(a, b) {")
        try t.waitFor("   ...>")
        t.type("return a + b")
        t.type("}")
        t.type("add(40, 2)")
        try t.waitForLine("42")

        // History: Up recalls the previous entry.
        t.key("Up")
        t.key("Enter")
        try t.waitForLine("42", count: 2)

        // Completion of a namespace member and of a method of a variable's value.
        t.text("math.sq")
        t.key("Tab")
        try t.waitFor("ragtime> math.sqrt")
        t.type("(16)")
        try t.waitForLine("4.0")
        t.type("xs = [1]")
        t.text("xs.app")
        t.key("Tab")
        try t.waitFor("ragtime> xs.append")
        t.type("(2)")
        t.type("xs")
        try t.waitForLine("[1, 2]")

        // An error keeps the session and its variables.
        t.type("nope_name + 1")
        try t.waitFor("error: unknown name 'nope_name'")
        t.type("add(xs[1], 1)")
        try t.waitForLine("3")

        // Ctrl-C stops a running loop at a safe point; variables survive.
        t.type("n = 0")
        t.type("while true { n += 1 }")
        Thread.sleep(forTimeInterval: 0.5)
        t.key("C-c")
        try t.waitFor("error: interrupted")
        t.type("n > 0 and xs == [1, 2]")
        try t.waitForLine("true")

        // Ctrl-C at the prompt discards the typed text.
        t.text("this is not code")
        t.key("C-c")
        t.type("100 + 1")
        try t.waitForLine("101")
        XCTAssertFalse(t.capture().contains("error: unknown name 'this'"), t.capture())

        // Ctrl-D leaves with status 0.
        t.key("C-d")
        try t.waitFor("EXITED=0")

        // The history was saved and a new session recalls it.
        let saved = try String(contentsOf: historyFile, encoding: .utf8)
        XCTAssertTrue(saved.contains("fn add(a, b) {\nreturn a + b\n}\nadd(40, 2)\n"), saved)
        t.close()
        try t.start()
        try t.waitFor("ragtime>")
        t.key("Up")
        try t.waitFor("ragtime> 100 + 1")
        t.key("Enter")
        try t.waitForLine("101")
    }
}

/// A tmux server of its own (private socket) running one command in a fixed-size window.
private final class Terminal {
    static let tmux = "/usr/bin/tmux"
    /// A fresh socket per start, so a server still shutting down never collides with the next one.
    private var socket = ""
    private let command: String

    init(command: String) { self.command = command }

    @discardableResult
    private func tmux(_ arguments: [String], detached: Bool = false) -> Subprocess.Result {
        Subprocess.run(Terminal.tmux, ["-L", socket] + arguments, detached: detached)
    }

    func start() throws {
        // Other tmux servers on the machine are never touched; a failed start is retried on a new socket.
        for _ in 0..<3 {
            socket = "ragtime-test-\(getpid())-\(UUID().uuidString.prefix(8))"
            let result = tmux(["new-session", "-d", "-s", "main", "-x", "150", "-y", "50",
                               "\(command); echo EXITED=$?; sleep 60"], detached: true)
            if result.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw TerminalError("tmux new-session failed three times")
    }

    func close() { tmux(["kill-server"], detached: true) }

    /// Types text literally, without pressing Enter.
    func text(_ s: String) { tmux(["send-keys", "-t", "main", "-l", s]) }
    /// Presses a named key (`Enter`, `Tab`, `Up`, `C-c`, `C-d`).
    func key(_ name: String) { tmux(["send-keys", "-t", "main", name]) }
    /// Types a line and presses Enter.
    func type(_ line: String) {
        text(line)
        key("Enter")
    }

    func capture() -> String { tmux(["capture-pane", "-p", "-t", "main", "-S", "-500"]).stdout }

    func waitFor(_ needle: String, timeout: TimeInterval = 15) throws {
        try waitUntil(timeout, "'\(needle)'") { $0.contains(needle) }
    }

    /// Waits until `count` lines of the screen are exactly `line`.
    func waitForLine(_ line: String, count: Int = 1, timeout: TimeInterval = 15) throws {
        try waitUntil(timeout, "\(count) line(s) '\(line)'") { screen in
            screen.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces) == line }.count >= count
        }
    }

    private func waitUntil(_ timeout: TimeInterval, _ what: String, _ condition: (String) -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(capture()) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TerminalError("timed out waiting for \(what); screen:\n\(capture())")
    }
}

private struct TerminalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
