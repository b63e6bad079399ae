import Syntax

extension Interpreter {
    /// The text `help(x)` and `:help name` show.
    public func helpText(for value: Value) -> String {
        switch value {
        case .null:
            let functions = builtins.values.keys.filter { if case .builtin = builtins.values[$0] { return true }; return false }
            return """
                Ragtime: help(x) describes a function, a namespace or a value.
                functions: \(functions.sorted().joined(separator: ", "))
                namespaces: \(namespaces.keys.sorted().joined(separator: ", "))
                """
        case .builtin(let bound):
            return bound.builtin.doc.hasPrefix(bound.builtin.name)
                ? (bound.qualifiedName.dropLast(bound.builtin.name.count) + bound.builtin.doc)
                : "\(bound.qualifiedName): \(bound.builtin.doc)"
        case .function(let closure):
            return "\(display(value)) defined at \(closure.decl.location)"
        case .namespace(let namespace):
            var lines = ["namespace \(namespace.name): \(namespace.doc)"]
            for (name, member) in namespace.members.pairs.sorted(by: { $0.0 < $1.0 }) {
                if case .builtin(let bound) = member {
                    lines.append("  " + bound.builtin.doc)
                } else {
                    lines.append("  \(name) = \(display(member))")
                }
            }
            return lines.joined(separator: "\n")
        default:
            let (name, methods, properties) = memberTables(of: value)
            var lines = ["\(name) value"]
            if case .handle = value, let type = handleTypes.values.first(where: { $0.name == name }) {
                lines[0] = "\(name): \(type.doc)"
            }
            if !properties.isEmpty {
                lines.append("properties:")
                lines += properties.sorted { $0.name < $1.name }.map { "  .\($0.name): \($0.doc)" }
            }
            if !methods.isEmpty {
                lines.append("methods:")
                lines += methods.sorted { $0.name < $1.name }.map { "  ." + $0.doc }
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Completions for the word being typed: `pri` -> `print`, `tensor.ze` -> `tensor.zeros`,
    /// `xs.ap` -> `xs.append` (members of a variable's current value). Sorted, no duplicates.
    public func completions(for word: String) -> [String] {
        guard let dot = word.lastIndex(of: ".") else {
            let names = globals.visibleNames.union(Keywords.all)
            return names.filter { $0.hasPrefix(word) }.sorted()
        }
        let basePath = String(word[..<dot])
        let prefix = String(word[word.index(after: dot)...])
        var base: Value? = nil
        for (i, part) in basePath.split(separator: ".", omittingEmptySubsequences: false).enumerated() {
            let name = String(part)
            if i == 0 {
                base = globals.lookup(name)
            } else if let current = base {
                base = try? member(of: current, name, at: SourceLocation(file: "<completion>", line: 1, column: 1))
            }
            if base == nil { return [] }
        }
        guard let base else { return [] }
        var members: [String]
        if case .namespace(let namespace) = base {
            members = namespace.members.keys
        } else {
            let (_, methods, properties) = memberTables(of: base)
            members = methods.map(\.name) + properties.map(\.name)
        }
        return Set(members.filter { $0.hasPrefix(prefix) }).sorted().map { basePath + "." + $0 }
    }
}
