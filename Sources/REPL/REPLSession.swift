import Foundation
import Runtime
import Syntax

/// The prompt loop: reads lines until the parser sees a complete entry (continuation prompt while
/// it is `.incomplete`), runs it through `Interpreter.run`, and keeps going after errors with all
/// state intact. Lines starting with `:` are meta-commands (REPLSession+Commands.swift).
public final class REPLSession {
    public static let prompt = "ragtime> "
    public static let continuationPrompt = "   ...> "

    let interpreter: Interpreter
    var reader: LineReader
    let output: OutputSink
    let errors: OutputSink
    /// Returns true (and clears it) if Ctrl-C was pressed since the last call.
    let takeInterrupt: () -> Bool
    /// Called after each entry so a terminal sees output at once.
    public var flush: () -> Void = {}
    var entryCount = 0
    var finished = false

    public init(interpreter: Interpreter, reader: LineReader, output: OutputSink, errors: OutputSink,
                takeInterrupt: @escaping () -> Bool = { false }) {
        self.interpreter = interpreter
        self.reader = reader
        self.output = output
        self.errors = errors
        self.takeInterrupt = takeInterrupt
    }

    /// Runs until end of input (Ctrl-D) or `:quit`.
    public func run() {
        var buffer: [String] = []
        while !finished {
            guard let line = reader.readLine(prompt: buffer.isEmpty ? REPLSession.prompt : REPLSession.continuationPrompt)
            else {
                if takeInterrupt() {
                    // Ctrl-C at the prompt: drop the pending entry and prompt again.
                    buffer = []
                    output.write("\n")
                    flush()
                    continue
                }
                break
            }
            if buffer.isEmpty {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                if trimmed.hasPrefix(":") {
                    command(trimmed)
                    flush()
                    continue
                }
            }
            buffer.append(line)
            let source = buffer.joined(separator: "\n")
            if case .incomplete = Parser.parse(source: source, file: "<repl>") { continue }
            buffer = []
            entryCount += 1
            execute { try interpreter.run(source: source, name: "<repl:\(entryCount)>", output: output) }
        }
        flush()
    }

    /// Runs `body`, reporting a failure on the error sink; the session continues either way.
    func execute(_ body: () throws -> Void) {
        _ = takeInterrupt()
        do {
            try body()
        } catch {
            _ = takeInterrupt()
            flush()
            errors.write(((error as? ScriptError)?.rendered ?? "error: \(error)") + "\n")
        }
        flush()
    }
}
