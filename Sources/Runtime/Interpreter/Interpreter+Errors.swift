import Syntax

extension Interpreter {
    /// `file:line:col: error: message`, the source line with a caret, then the script call trace
    /// (outermost call first) when the error happened inside script functions.
    func render(_ error: RuntimeError) -> String {
        guard let location = error.location else { return "error: \(error.message)" }
        var text = Diagnostic(error.message, at: location).rendered(source: sources[location.file])
        let trace = error.trace ?? []
        if !trace.isEmpty {
            text += "\ncall trace (most recent call last):"
            var caller = "<script>"
            var lines: [String] = []
            for entry in trace {
                lines.append("  \(entry.callSite): in \(caller): called \(entry.function)")
                caller = entry.function
            }
            // Deep recursion: show a repeated line three times, then how often it repeats.
            var index = 0
            while index < lines.count {
                var run = 1
                while index + run < lines.count && lines[index + run] == lines[index] { run += 1 }
                for _ in 0..<min(run, 3) { text += "\n" + lines[index] }
                if run > 3 { text += "\n  ... the line above repeats \(run - 3) more times" }
                index += run
            }
            text += "\n  \(location): in \(caller)"
        }
        return text
    }

    func unknownName(_ name: String, in scope: Scope, at location: SourceLocation) -> RuntimeError {
        RuntimeError("unknown name '\(name)'" + suggestion(for: name, among: scope.visibleNames), at: location)
    }

    /// `; did you mean 'x'?` for the closest candidate within a small edit distance, else "".
    func suggestion<S: Sequence>(for name: String, among candidates: S) -> String where S.Element == String {
        let limit = max(1, min(3, name.count / 3 + 1))
        var best: (name: String, distance: Int)? = nil
        for candidate in candidates.sorted() where candidate != name {
            let distance = Interpreter.editDistance(name, candidate)
            if distance <= limit && distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best.map { "; did you mean '\($0.name)'?" } ?? ""
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
