import Support
import Syntax

extension Interpreter {
    /// The registered type of a handle object, if any.
    public func handleType(of object: AnyObject) -> HandleType? { handleTypes[ObjectIdentifier(Swift.type(of: object))] }

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
        var open: Set<ObjectIdentifier> = []
        return display(value, open: &open, depth: 0)
    }

    /// `open` holds the lists and dicts being shown, so a list that contains itself shows `[...]`.
    /// Deeper than `Value.maxWalkDepth` a container shows as `[...N levels...]` (no recursion past the limit).
    private func display(_ value: Value, open: inout Set<ObjectIdentifier>, depth: Int) -> String {
        if depth >= Value.maxWalkDepth {
            if case .list = value { return "[...deeper than \(Value.maxWalkDepth) levels...]" }
            if case .dict = value { return "{...deeper than \(Value.maxWalkDepth) levels...}" }
        }
        switch value {
        case .list(let list):
            guard open.insert(ObjectIdentifier(list)).inserted else { return "[...]" }
            defer { open.remove(ObjectIdentifier(list)) }
            var parts: [String] = []
            for item in list.items { parts.append(display(item, open: &open, depth: depth + 1)) }
            return "[" + parts.joined(separator: ", ") + "]"
        case .dict(let dict):
            guard open.insert(ObjectIdentifier(dict)).inserted else { return "{...}" }
            defer { open.remove(ObjectIdentifier(dict)) }
            var parts: [String] = []
            for (key, item) in dict.pairs { parts.append("\(Interpreter.quoted(key)): \(display(item, open: &open, depth: depth + 1))") }
            return "{" + parts.joined(separator: ", ") + "}"
        default:
            return displayScalar(value)
        }
    }

    private func displayScalar(_ value: Value) -> String {
        switch value {
        case .null: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .float(let x): return NumberFormat.float(x)
        case .string(let s): return Interpreter.quoted(s)
        case .list, .dict: return display(value)
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
        "\"" + StringEscaping.escape(s) { u in
            switch u {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            case "\n": return "\\n"
            case "\t": return "\\t"
            case "\r": return "\\r"
            case "{": return "\\{"
            case "}": return "\\}"
            default: return nil
            }
        } + "\""
    }
}
