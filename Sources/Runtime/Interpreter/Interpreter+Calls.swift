import Syntax

extension Interpreter {
    /// Calls a function value. `location` is the call site (nil for callbacks from builtins, which
    /// then report the builtin's call site).
    public func callValue(_ callee: Value, positional: [Value], named: [(String, Value)],
                          at location: SourceLocation?) throws -> Value {
        switch callee {
        case .function(let closure):
            return try callClosure(closure, positional: positional, named: named, at: location)
        case .builtin(let bound):
            return try callBuiltin(bound, positional: positional, named: named)
        default:
            throw RuntimeError("\(typeName(of: callee)) is not callable", at: location)
        }
    }

    private func callClosure(_ closure: Closure, positional: [Value], named: [(String, Value)],
                             at location: SourceLocation?) throws -> Value {
        let decl = closure.decl
        let scope = Scope(kind: .function, parent: closure.scope)
        let parameters = decl.parameters
        let signature = "\(decl.name)(\(parameters.map(\.name).joined(separator: ", ")))"
        guard positional.count <= parameters.count else {
            throw RuntimeError("\(signature) takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), "
                                   + "got \(positional.count)", at: location)
        }
        for (parameter, value) in zip(parameters, positional) { scope.values[parameter.name] = value }
        for (label, value) in named {
            guard parameters.contains(where: { $0.name == label }) else {
                throw RuntimeError("\(signature) has no parameter '\(label)'"
                                       + suggestion(for: label, among: parameters.map(\.name)), at: location)
            }
            guard scope.values[label] == nil else {
                throw RuntimeError("\(signature) got two values for '\(label)'", at: location)
            }
            scope.values[label] = value
        }
        let site = location ?? decl.location
        if frames.count >= options.maxCallDepth {
            throw RuntimeError("maximum call depth (\(options.maxCallDepth)) exceeded in \(decl.name)", at: site)
        }
        try checkInterrupt(at: site)
        frames.append(TraceEntry(function: decl.name, callSite: site))
        defer { frames.removeLast() }
        // Defaults are evaluated at call time in the function's scope, so they may use earlier parameters.
        for parameter in parameters where scope.values[parameter.name] == nil {
            guard let defaultExpr = parameter.defaultValue else {
                throw RuntimeError("\(signature) is missing argument '\(parameter.name)'", at: site)
            }
            scope.values[parameter.name] = try evaluate(defaultExpr, in: scope)
        }
        if case .returned(let value) = try execute(decl.body, in: scope) { return value }
        return .null
    }

    private func callBuiltin(_ bound: BoundBuiltin, positional: [Value], named: [(String, Value)]) throws -> Value {
        let builtin = bound.builtin
        let name = bound.qualifiedName
        var values: [Value?] = Array(repeating: nil, count: builtin.params.count)
        var rest: [Value] = []
        for (index, value) in positional.enumerated() {
            if builtin.variadic {
                rest.append(value)
            } else if index < values.count {
                values[index] = value
            } else {
                throw RuntimeError("\(name) takes at most \(builtin.params.count) argument"
                                       + "\(builtin.params.count == 1 ? "" : "s"), got \(positional.count)")
            }
        }
        for (label, value) in named {
            guard let index = builtin.params.firstIndex(where: { $0.name == label }) else {
                throw RuntimeError("\(name) has no parameter '\(label)'"
                                       + suggestion(for: label, among: builtin.params.map(\.name)))
            }
            guard values[index] == nil else { throw RuntimeError("\(name) got two values for '\(label)'") }
            values[index] = value
        }
        var arguments: [Value] = []
        for (index, param) in builtin.params.enumerated() {
            guard let value = values[index] ?? param.defaultValue else {
                throw RuntimeError("\(name) is missing argument '\(param.name)'")
            }
            arguments.append(value)
        }
        let args = CallArgs(function: name, params: builtin.params, values: arguments, rest: rest,
                            receiver: bound.receiver, interpreter: self)
        return try builtin.body(args)
    }
}
