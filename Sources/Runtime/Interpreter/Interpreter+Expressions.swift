import Syntax

extension Interpreter {
    /// Evaluates `expr`; an error without a location gets this expression's location and the current
    /// call trace.
    func evaluate(_ expr: Expr, in scope: Scope) throws -> Value {
        do {
            return try evaluateKind(expr, in: scope)
        } catch var error as RuntimeError {
            if error.location == nil { error.location = expr.location }
            if error.trace == nil { error.trace = frames }
            throw error
        }
    }

    private func evaluateKind(_ expr: Expr, in scope: Scope) throws -> Value {
        switch expr.kind {
        case .nilLiteral: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .float(let x): return .float(x)
        case .string(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .text(let piece): text += piece
                case .interpolation(let inner): text += str(try evaluate(inner, in: scope))
                }
            }
            return .string(text)
        case .name(let name):
            guard let value = scope.lookup(name) else { throw unknownName(name, in: scope, at: expr.location) }
            return value
        case .list(let elements):
            return .list(try elements.map { try evaluate($0, in: scope) })
        case .dict(let entries):
            let dict = DictRef()
            for entry in entries {
                guard case .string(let key) = try evaluate(entry.key, in: scope) else {
                    throw RuntimeError("dictionary keys must be Strings", at: entry.key.location)
                }
                dict[key] = try evaluate(entry.value, in: scope)
            }
            return .dict(dict)
        case .unary(let op, let operand):
            return try unary(op, try evaluate(operand, in: scope))
        case .binary(let op, let lhs, let rhs):
            return try binary(op, try evaluate(lhs, in: scope), try evaluate(rhs, in: scope), at: expr.location)
        case .and(let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            return left.isTruthy ? try evaluate(rhs, in: scope) : left
        case .or(let lhs, let rhs):
            let left = try evaluate(lhs, in: scope)
            return left.isTruthy ? left : try evaluate(rhs, in: scope)
        case .call(let calleeExpr, let arguments):
            let callee = try evaluate(calleeExpr, in: scope)
            var positional: [Value] = []
            var named: [(String, Value)] = []
            for argument in arguments {
                let value = try evaluate(argument.value, in: scope)
                if let label = argument.label { named.append((label, value)) } else { positional.append(value) }
            }
            return try callValue(callee, positional: positional, named: named, at: expr.location)
        case .member(let baseExpr, let name):
            return try member(of: try evaluate(baseExpr, in: scope), name, at: expr.location)
        case .index(let baseExpr, let items):
            let base = try evaluate(baseExpr, in: scope)
            var arguments: [IndexArgument] = []
            for item in items {
                switch item {
                case .single(let e): arguments.append(.single(try evaluate(e, in: scope)))
                case .slice(let lo, let hi, let step):
                    arguments.append(.slice(try sliceBound(lo, scope), try sliceBound(hi, scope),
                                            try sliceBound(step, scope)))
                }
            }
            return try subscriptGet(base, arguments, at: expr.location)
        case .function(let decl):
            return .function(Closure(decl: decl, scope: scope))
        }
    }

    private func sliceBound(_ expr: Expr?, _ scope: Scope) throws -> Int? {
        guard let expr else { return nil }
        switch try evaluate(expr, in: scope) {
        case .int(let n): return n
        case .null: return nil
        case let other: throw RuntimeError("slice bounds must be Ints, got \(typeName(of: other))", at: expr.location)
        }
    }

    /// `base.name`: a namespace member, a property, or a method bound to `base`.
    func member(of base: Value, _ name: String, at location: SourceLocation) throws -> Value {
        if case .namespace(let namespace) = base {
            if let value = namespace.members[name] { return value }
            throw RuntimeError("namespace '\(namespace.name)' has no member '\(name)'"
                                   + suggestion(for: name, among: namespace.members.keys), at: location)
        }
        let (typeLabel, methods, properties) = memberTables(of: base)
        if let property = properties.first(where: { $0.name == name }) { return try property.get(base) }
        if let method = methods.first(where: { $0.name == name }) {
            return .builtin(BoundBuiltin(method, receiver: base, qualifiedName: "\(typeLabel).\(name)"))
        }
        let known = methods.map(\.name) + properties.map(\.name)
        throw RuntimeError("\(typeLabel) has no member '\(name)'" + suggestion(for: name, among: known), at: location)
    }

    /// The type name, methods and properties that `value.` offers (used by completion and `help`).
    public func memberTables(of value: Value) -> (String, [Builtin], [Property]) {
        if case .handle(let object) = value, let type = handleTypes[ObjectIdentifier(Swift.type(of: object))] {
            return (type.name, type.methods, type.properties)
        }
        let name = typeName(of: value)
        let methods = typeMethods[name]
        return (name, methods?.methods ?? [], methods?.properties ?? [])
    }

    /// `base[...]` for lists, strings, dicts and handles with a subscript.
    func subscriptGet(_ base: Value, _ arguments: [IndexArgument], at location: SourceLocation) throws -> Value {
        if case .handle(let object) = base {
            guard let type = handleTypes[ObjectIdentifier(Swift.type(of: object))], let get = type.subscriptGet else {
                throw RuntimeError("\(typeName(of: base)) cannot be indexed", at: location)
            }
            return try get(object, arguments)
        }
        guard arguments.count == 1 else {
            throw RuntimeError("\(typeName(of: base)) takes one index, got \(arguments.count)", at: location)
        }
        switch (base, arguments[0]) {
        case (.list(let list), .single(let index)):
            return list.items[try position(index, count: list.items.count, what: "list", at: location)]
        case (.list(let list), .slice(let lo, let hi, let step)):
            return .list(try sliced(list.items, lo, hi, step, at: location))
        case (.string(let s), .single(let index)):
            let chars = Array(s)
            return .string(String(chars[try position(index, count: chars.count, what: "string", at: location)]))
        case (.string(let s), .slice(let lo, let hi, let step)):
            return .string(String(try sliced(Array(s), lo, hi, step, at: location)))
        case (.dict(let dict), .single(let key)):
            guard case .string(let k) = key else {
                throw RuntimeError("dictionary keys must be Strings, got \(typeName(of: key))", at: location)
            }
            guard let value = dict[k] else {
                throw RuntimeError("key \"\(k)\" not found" + suggestion(for: k, among: dict.keys), at: location)
            }
            return value
        default:
            throw RuntimeError("\(typeName(of: base)) cannot be indexed that way", at: location)
        }
    }

    private func position(_ index: Value, count: Int, what: String, at location: SourceLocation) throws -> Int {
        guard case .int(let i) = index else {
            throw RuntimeError("\(what) indices must be Ints, got \(typeName(of: index))", at: location)
        }
        let p = i < 0 ? count + i : i
        guard p >= 0 && p < count else {
            throw RuntimeError("\(what) index \(i) out of range (length \(count))", at: location)
        }
        return p
    }

    /// Python slice semantics: bounds clamp, negative bounds count from the end, step != 0.
    func sliced<T>(_ items: [T], _ lo: Int?, _ hi: Int?, _ step: Int?, at location: SourceLocation) throws -> [T] {
        let step = step ?? 1
        guard step != 0 else { throw RuntimeError("slice step cannot be zero", at: location) }
        let n = items.count
        func clamp(_ bound: Int?, _ fallback: Int, _ low: Int, _ high: Int) -> Int {
            guard let bound else { return fallback }
            return min(max(bound < 0 ? bound + n : bound, low), high)
        }
        var result: [T] = []
        if step > 0 {
            var i = clamp(lo, 0, 0, n)
            let end = clamp(hi, n, 0, n)
            while i < end { result.append(items[i]); i += step }
        } else {
            var i = clamp(lo, n - 1, -1, n - 1)
            let end = clamp(hi, -1, -1, n - 1)
            while i > end { result.append(items[i]); i += step }
        }
        return result
    }
}
