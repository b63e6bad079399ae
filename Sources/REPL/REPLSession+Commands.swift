import Foundation
import Runtime

/// Meta-commands: `:help [name]`, `:vars`, `:load FILE`, `:cells FILE`, `:cell FILE N`, `:time EXPR`,
/// `:reset`, `:quit`.
extension REPLSession {
    static let commands: [(name: String, usage: String)] = [
        (":help", ":help [name]     this list, or help for a name"),
        (":vars", ":vars            variables defined in this session"),
        (":load", ":load FILE       run a script into the session"),
        (":cells", ":cells FILE      list the cells (#%% title) of a notebook script"),
        (":cell", ":cell FILE N     run cell N (number or title) of a notebook script"),
        (":time", ":time EXPR       evaluate EXPR and show how long it took"),
        (":reset", ":reset           forget all variables and imports"),
        (":quit", ":quit            leave (Ctrl-D works too)"),
    ]

    func command(_ text: String) {
        let name = String(text.prefix { !$0.isWhitespace })
        let rest = text.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        switch name {
        case ":help":
            if rest.isEmpty {
                output.write("commands:\n" + REPLSession.commands.map { "  " + $0.usage }.joined(separator: "\n") + "\n")
                output.write(interpreter.helpText(for: .null) + "\n")
            } else {
                execute {
                    let value = try interpreter.evaluate(expression: rest, name: "<help>", output: output)
                    output.write(interpreter.helpText(for: value) + "\n")
                }
            }
        case ":vars":
            let variables = interpreter.userVariables
            if variables.isEmpty { output.write("(no variables)\n") }
            for (name, value) in variables {
                var shown = interpreter.display(value)
                if shown.count > 70 { shown = String(shown.prefix(67)) + "..." }
                output.write("\(name) = \(shown)\n")
            }
        case ":load":
            guard let source = readFile(rest, usage: ":load FILE") else { return }
            execute { try interpreter.run(source: source, name: rest, output: output) }
        case ":cells":
            guard let source = readFile(rest, usage: ":cells FILE") else { return }
            let notebook = Notebook(source: source)
            if notebook.cells.isEmpty { output.write("\(rest): no cells (no '#%%' lines)\n") }
            for cell in notebook.cells {
                output.write("\(cell.number): \(cell.title)  (lines \(cell.firstLine)-\(cell.lastLine))\n")
            }
        case ":cell":
            let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let source = readFile(parts[0], usage: ":cell FILE N") else {
                if parts.count != 2 { errors.write("usage: :cell FILE N\n") }
                return
            }
            let notebook = Notebook(source: source)
            guard let cell = notebook.cell(named: parts[1]) else {
                errors.write("\(parts[0]): no cell '\(parts[1])' (it has \(notebook.cells.count) cells)\n")
                return
            }
            execute { try interpreter.run(source: notebook.source(only: cell), name: parts[0], output: output) }
        case ":time":
            guard !rest.isEmpty else { errors.write("usage: :time EXPR\n"); return }
            let start = DispatchTime.now().uptimeNanoseconds
            execute {
                let value = try interpreter.evaluate(expression: rest, name: "<time>", output: output)
                if case .null = value {} else { output.write(interpreter.display(value) + "\n") }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            output.write("time: \(NumberFormat.fixed(seconds, digits: 4)) s\n")
        case ":reset":
            interpreter.reset()
            output.write("session reset\n")
        case ":quit", ":q", ":exit":
            finished = true
        default:
            let near = REPLSession.commands.map(\.name).min { a, b in distance(a, name) < distance(b, name) }
            errors.write("unknown command '\(name)'" + (near.map { "; did you mean '\($0)'?" } ?? "")
                             + " (:help lists the commands)\n")
        }
    }

    private func readFile(_ path: String, usage: String) -> String? {
        guard !path.isEmpty else {
            errors.write("usage: \(usage)\n")
            return nil
        }
        guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
            errors.write("cannot read \(path)\n")
            return nil
        }
        return source
    }

    private func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
