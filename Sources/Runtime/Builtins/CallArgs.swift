import Syntax

/// The arguments of one builtin call, bound to the builtin's parameters (defaults filled in).
/// Typed accessors throw a `RuntimeError` naming the function and the parameter.
public struct CallArgs {
    /// `tensor.randn`, `List.append`: used in error messages.
    public let function: String
    let params: [Param]
    let values: [Value]
    /// Surplus positional arguments of a variadic builtin.
    public let rest: [Value]
    /// The value a method was taken from (`xs` in `xs.append(1)`), nil for plain functions.
    public let receiver: Value?
    public let interpreter: Interpreter

    public func value(_ name: String) -> Value {
        guard let index = params.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("builtin \(function) has no parameter '\(name)'")
        }
        return values[index]
    }

    public func isNull(_ name: String) -> Bool {
        if case .null = value(name) { return true }
        return false
    }

    func wrongType(_ name: String, _ expected: String) -> RuntimeError {
        RuntimeError("\(function): argument '\(name)' must be \(expected), got \(interpreter.typeName(of: value(name)))")
    }

    /// `x` truncated toward zero when that fits an Int (-2^63 <= x < 2^63), else nil (also for NaN and
    /// infinities): the one conversion from Float to Int that never traps.
    public static func truncatedInt(_ x: Double) -> Int? {
        x.isFinite && x >= -0x1p63 && x < 0x1p63 ? Int(x.rounded(.towardZero)) : nil
    }

    public func int(_ name: String) throws -> Int {
        switch value(name) {
        case .int(let n): return n
        case .float(let x) where x == x.rounded() && abs(x) < 1e15: return Int(x)
        default: throw wrongType(name, "an Int")
        }
    }

    public func double(_ name: String) throws -> Double {
        switch value(name) {
        case .int(let n): return Double(n)
        case .float(let x): return x
        default: throw wrongType(name, "a number")
        }
    }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = value(name) else { throw wrongType(name, "a Bool") }
        return b
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = value(name) else { throw wrongType(name, "a String") }
        return s
    }

    public func list(_ name: String) throws -> [Value] {
        guard case .list(let l) = value(name) else { throw wrongType(name, "a List") }
        return l.items
    }

    public func dict(_ name: String) throws -> DictRef {
        guard case .dict(let d) = value(name) else { throw wrongType(name, "a Dict") }
        return d
    }

    public func optionalInt(_ name: String) throws -> Int? { isNull(name) ? nil : try int(name) }
    public func optionalDouble(_ name: String) throws -> Double? { isNull(name) ? nil : try double(name) }

    /// These arguments with the entries of a Dict argument (e.g. `options:`) replacing the parameters of the same
    /// names, read afterwards by the same accessors; nil leaves them as they are. A key that names no parameter
    /// (or the Dict's own parameter) is an error listing the known names.
    public func replacing(with entries: Value, argument: String) throws -> CallArgs {
        if case .null = entries { return self }
        guard case .dict(let d) = entries else {
            throw RuntimeError("\(function): \(argument) must be a Dict of option names, got \(interpreter.typeName(of: entries))")
        }
        var replaced = values
        for (key, value) in d.pairs {
            guard key != argument, let i = params.firstIndex(where: { $0.name == key }), params[i].defaultValue != nil else {
                let known = params.filter { $0.defaultValue != nil && $0.name != argument }.map(\.name)
                throw RuntimeError("\(function): unknown option '\(key)' in \(argument); known: \(known.joined(separator: ", "))")
            }
            replaced[i] = value
        }
        return CallArgs(function: function, params: params, values: replaced, rest: rest, receiver: receiver, interpreter: interpreter)
    }

    /// A handle argument of Swift type `T`.
    public func handle<T: AnyObject>(_ name: String, as type: T.Type, typeName: String) throws -> T {
        guard case .handle(let object) = value(name), let typed = object as? T else {
            throw wrongType(name, "a \(typeName)")
        }
        return typed
    }

    /// The receiver of a method call as Swift type `T`.
    public func receiver<T: AnyObject>(as type: T.Type) throws -> T {
        guard case .handle(let object) = receiver, let typed = object as? T else {
            throw RuntimeError("\(function): called on \(receiver.map { interpreter.typeName(of: $0) } ?? "nothing")")
        }
        return typed
    }

    /// Throws the "interrupted" error if Ctrl-C was pressed; long-running builtins call it between
    /// batches (a safe point).
    public func checkInterrupt() throws {
        if interpreter.interruptCheck() { throw RuntimeError.interrupted(at: nil) }
    }

    /// Calls a script or builtin function value (e.g. a `key:` callback) with positional arguments.
    public func call(_ callee: Value, _ arguments: [Value]) throws -> Value {
        try interpreter.callValue(callee, positional: arguments, named: [], at: nil)
    }
}

/// An error raised while evaluating. Builtins throw it without a location; the interpreter attaches
/// the location of the expression being evaluated and a snapshot of the script call trace.
public struct RuntimeError: Error {
    public enum Kind: Sendable { case error, interrupted }
    public var kind: Kind = .error
    public var message: String
    public var location: SourceLocation?
    /// Outermost first: the script-level call sites leading to the error.
    public var trace: [TraceEntry]? = nil

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    static func interrupted(at location: SourceLocation?) -> RuntimeError {
        var error = RuntimeError("interrupted", at: location)
        error.kind = .interrupted
        return error
    }
}

/// A call of a script function: which function was entered and where it was called from.
public struct TraceEntry: Sendable {
    public let function: String
    public let callSite: SourceLocation
}
