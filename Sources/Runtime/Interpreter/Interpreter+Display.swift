import Syntax

extension Interpreter {
    /// The name `type(x)` reports: `Int`, `List`, ..., or a handle's registered name (`Tensor`).
    public func typeName(of value: Value) -> String {
        if case .handle(let object) = value, let type = handleTypes[ObjectIdentifier(Swift.type(of: object))] {
            return type.name
        }
        return value.typeName
    }

    /// How `print` and string interpolation show a value: strings raw, everything else as `display`.
    public func str(_ value: Value) -> String {
        if case .string(let s) = value { return s }
        return display(value)
    }

    /// How the REPL and batch transcripts show a value: strings quoted, floats with fixed precision,
    /// lists and dicts with their elements displayed.
    public func display(_ value: Value) -> String {
        switch value {
        case .null: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .float(let x): return NumberFormat.float(x)
        case .string(let s): return Interpreter.quoted(s)
        case .list(let list): return "[" + list.items.map(display).joined(separator: ", ") + "]"
        case .dict(let dict):
            return "{" + dict.pairs.map { "\(Interpreter.quoted($0.0)): \(display($0.1))" }.joined(separator: ", ") + "}"
        case .function(let closure):
            let params = closure.decl.parameters.map { $0.defaultValue == nil ? $0.name : "\($0.name): ..." }
            return "<fn \(closure.decl.name)(\(params.joined(separator: ", ")))>"
        case .builtin(let bound): return "<builtin \(bound.qualifiedName)>"
        case .namespace(let namespace): return "<namespace \(namespace.name)>"
        case .handle(let object):
            if let type = handleTypes[ObjectIdentifier(Swift.type(of: object))] { return type.describe(object) }
            return "<\(value.typeName)>"
        }
    }

    /// A double-quoted string literal with escapes, as the lexer would read it back.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "{": out += "\\{"
            case "}": out += "\\}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
