import Foundation
import REPL
import Runtime

// The ragtime command: argument parsing, batch vs REPL, and the one place mapping outcomes to exit
// codes (0 ok, 64 usage, 65 syntax error, 70 runtime error, 130 interrupted).

let usage = """
    usage: ragtime                          REPL on a terminal; otherwise run the script read from stdin
           ragtime run FILE [--cell N|TITLE] [-- ARGS...]
                                            run a script (with --cell: its cells up to N or TITLE)
           ragtime -e CODE [-- ARGS...]     run CODE
           ragtime --version | --help
    Top-level expression statements show their value. Script arguments are the list `args`.
    Exit codes: 0 ok, 64 usage, 65 syntax error, 70 runtime error, 130 interrupted.
    Environment: RAGTIME_STDLIB (stdlib folder), RAGTIME_HISTORY (REPL history file, default ~/.ragtime_history),
    RAGTIME_THREADS (worker threads), RAGTIME_MPI_OUTPUT=all (every rank prints, under mpirun).
    Several processes: mpirun -np N ragtime run FILE (docs/distributed.md).
    """

// Unbuffered writes, so standard output and standard error interleave in order.
func writeOut(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
func writeErr(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

func fail(_ message: String, code: Int32) -> Never {
    writeErr("ragtime: \(message)\n")
    exit(code)
}

/// `RAGTIME_STDLIB`, else the `stdlib/` folder next to an ancestor of the executable (a build inside
/// the repository), else `./stdlib`.
func stdlibPath() -> String {
    if let path = ProcessInfo.processInfo.environment["RAGTIME_STDLIB"] { return path }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("stdlib")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("prelude.rag").path) {
            return candidate.path
        }
        dir.deleteLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath + "/stdlib"
}

func makeInterpreter(arguments: [String]) -> Interpreter {
    let interpreter = Interpreter(options: .init(stdlibPath: stdlibPath(), arguments: arguments))
    Interrupts.install()
    interpreter.interruptCheck = { Interrupts.isPending }
    return interpreter
}

/// Runs a script and exits with its status.
func runBatch(source: String, name: String, arguments: [String]) -> Never {
    let interpreter = makeInterpreter(arguments: arguments)
    do {
        try interpreter.run(source: source, name: name, output: ClosureSink(writeOut))
        exit(0)
    } catch {
        // Under mpirun the rank's located message reaches the terminal and the whole job ends with
        // this exit code (MPI_Abort), so no other rank waits for this one.
        ProcessSetup.end(message: error.rendered, code: error.exitCode)
    }
}

func readSource(_ path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)", code: 64) }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(path) is not UTF-8 text", code: 64) }
    return text
}

/// Splits `[options] -- ARGS` at the first `--`.
func splitScriptArguments(_ arguments: ArraySlice<String>) -> (options: [String], script: [String]) {
    guard let dash = arguments.firstIndex(of: "--") else { return (Array(arguments), []) }
    return (Array(arguments[..<dash]), Array(arguments[(dash + 1)...]))
}

func runCommand(_ arguments: ArraySlice<String>) -> Never {
    let (options, scriptArguments) = splitScriptArguments(arguments)
    var file: String? = nil
    var cellSelector: String? = nil
    var index = 0
    while index < options.count {
        let option = options[index]
        if option == "--cell" {
            guard index + 1 < options.count else { fail("--cell needs a cell number or title\n\(usage)", code: 64) }
            cellSelector = options[index + 1]
            index += 2
        } else if option.hasPrefix("-") {
            fail("unknown option '\(option)' for run\n\(usage)", code: 64)
        } else if file == nil {
            file = option
            index += 1
        } else {
            fail("unexpected argument '\(option)' (script arguments go after --)\n\(usage)", code: 64)
        }
    }
    guard let file else { fail("run needs a FILE\n\(usage)", code: 64) }
    var source = readSource(file)
    if let cellSelector {
        let notebook = Notebook(source: source)
        guard let cell = notebook.cell(named: cellSelector) else {
            let list = notebook.cells.map { "\($0.number): \($0.title)" }.joined(separator: ", ")
            fail("\(file) has no cell '\(cellSelector)' (cells: \(list.isEmpty ? "none" : list))", code: 64)
        }
        source = notebook.source(upTo: cell)
    }
    runBatch(source: source, name: file, arguments: scriptArguments)
}

func runREPL() -> Never {
    let interpreter = makeInterpreter(arguments: [])
    let history = ProcessInfo.processInfo.environment["RAGTIME_HISTORY"]
        ?? (NSHomeDirectory() as NSString).appendingPathComponent(".ragtime_history")
    let reader = LibEditLineReader(historyPath: history, completer: { interpreter.completions(for: $0) })
    writeOut("ragtime \(RagtimeVersion.string): :help for commands, Ctrl-D to quit\n")
    let session = REPLSession(interpreter: interpreter, reader: reader, output: ClosureSink(writeOut),
                              errors: ClosureSink(writeErr),
                              takeInterrupt: {
                                  defer { Interrupts.clear() }
                                  return Interrupts.isPending
                              })
    session.run()
    exit(0)
}

do { try ProcessSetup.start() } catch { fail("\(error)", code: 70) }  // BLAS kernel, heap, MPI ranks, threads

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "--version":
    writeOut(RagtimeVersion.report + "\n")
case "--help", "-h":
    writeOut(usage + "\n")
case "run":
    runCommand(arguments.dropFirst())
case "-e":
    let (options, scriptArguments) = splitScriptArguments(arguments.dropFirst())
    guard options.count == 1 else { fail("-e needs exactly one CODE argument\n\(usage)", code: 64) }
    runBatch(source: options[0], name: "<-e>", arguments: scriptArguments)
case nil:
    if isatty(0) != 0 { runREPL() }
    let data = FileHandle.standardInput.readDataToEndOfFile()
    runBatch(source: String(decoding: data, as: UTF8.self), name: "<stdin>", arguments: [])
case let other?:
    fail("unknown command '\(other)'\n\(usage)", code: 64)
}
