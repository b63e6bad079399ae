import Foundation
import Syntax

/// How a statement finished: normally, or by `break` / `continue` / `return`.
enum Flow {
    case normal
    case breakLoop
    case continueLoop
    case returned(Value)
}

extension Interpreter {
    func execute(_ statements: [Stmt], in scope: Scope) throws -> Flow {
        for statement in statements {
            let flow = try execute(statement, in: scope)
            if case .normal = flow { continue }
            return flow
        }
        return .normal
    }

    func execute(_ statement: Stmt, in scope: Scope) throws -> Flow {
        switch statement.kind {
        case .expression(let expr):
            _ = try evaluate(expr, in: scope)
        case .assign(let target, let op, let valueExpr):
            try assign(target: target, op: op, valueExpr: valueExpr, in: scope)
        case .ifChain(let branches, let elseBody):
            for branch in branches where try evaluate(branch.condition, in: scope).isTruthy {
                return try execute(branch.body, in: scope)
            }
            if let elseBody { return try execute(elseBody, in: scope) }
        case .whileLoop(let condition, let body):
            while try evaluate(condition, in: scope).isTruthy {
                try checkInterrupt(at: statement.location)
                switch try execute(body, in: scope) {
                case .breakLoop: return .normal
                case .returned(let value): return .returned(value)
                case .normal, .continueLoop: continue
                }
            }
        case .forLoop(let names, let iterableExpr, let body):
            let items = try iterate(try evaluate(iterableExpr, in: scope), at: iterableExpr.location)
            for item in items {
                try checkInterrupt(at: statement.location)
                try bindLoopVariables(names, item, in: scope, at: statement.location)
                switch try execute(body, in: scope) {
                case .breakLoop: return .normal
                case .returned(let value): return .returned(value)
                case .normal, .continueLoop: continue
                }
            }
        case .function(let decl):
            scope.assign(decl.name, .function(Closure(decl: decl, scope: scope)))
        case .returnStmt(let expr):
            return .returned(try expr.map { try evaluate($0, in: scope) } ?? .null)
        case .breakStmt:
            return .breakLoop
        case .continueStmt:
            return .continueLoop
        case .importStmt(let path):
            try importFile(path, at: statement.location)
        }
        return .normal
    }

    func checkInterrupt(at location: SourceLocation) throws {
        if interruptCheck() { throw RuntimeError.interrupted(at: location) }
    }

    private func bindLoopVariables(_ names: [String], _ item: Value, in scope: Scope,
                                   at location: SourceLocation) throws {
        if names.count == 1 {
            scope.assign(names[0], item)
            return
        }
        guard case .list(let parts) = item, parts.items.count == names.count else {
            throw RuntimeError(
                "cannot unpack \(typeName(of: item)) into \(names.count) loop variables "
                    + "(need a List of \(names.count) items)", at: location)
        }
        for (name, part) in zip(names, parts.items) { scope.assign(name, part) }
    }

    /// The items a `for` loop visits: list elements, string characters, dict keys.
    func iterate(_ value: Value, at location: SourceLocation) throws -> [Value] {
        switch value {
        case .list(let list): return list.items
        case .string(let s): return s.map { .string(String($0)) }
        case .dict(let dict): return dict.keys.map { .string($0) }
        default: throw RuntimeError("cannot iterate over \(typeName(of: value))", at: location)
        }
    }

    private func assign(target: Expr, op: BinaryOperator?, valueExpr: Expr, in scope: Scope) throws {
        var value = try evaluate(valueExpr, in: scope)
        switch target.kind {
        case .name(let name):
            if let op {
                guard let old = scope.lookup(name) else { throw unknownName(name, in: scope, at: target.location) }
                value = try binary(op, old, value, at: target.location)
            }
            scope.assign(name, value)
        case .index(let base, let items):
            let container = try evaluate(base, in: scope)
            guard items.count == 1, case .single(let indexExpr) = items[0] else {
                throw RuntimeError("only single-index assignment is supported (x[i] = v)", at: target.location)
            }
            let index = try evaluate(indexExpr, in: scope)
            if let op {
                let old = try subscriptGet(container, [.single(index)], at: target.location)
                value = try binary(op, old, value, at: target.location)
            }
            try subscriptSet(container, index, value, at: target.location)
        case .member(_, let name):
            throw RuntimeError("cannot assign to member '\(name)': properties are read-only", at: target.location)
        default:
            throw RuntimeError("cannot assign to this expression", at: target.location)
        }
    }

    private func subscriptSet(_ container: Value, _ index: Value, _ value: Value, at location: SourceLocation) throws {
        switch (container, index) {
        case (.list(let list), .int(let i)):
            let position = i < 0 ? list.items.count + i : i
            guard position >= 0 && position < list.items.count else {
                throw RuntimeError("list index \(i) out of range (length \(list.items.count))", at: location)
            }
            list.items[position] = value
        case (.dict(let dict), .string(let key)):
            dict[key] = value
        case (.dict, _):
            throw RuntimeError("dictionary keys must be Strings, got \(typeName(of: index))", at: location)
        case (.list, _):
            throw RuntimeError("list indices must be Ints, got \(typeName(of: index))", at: location)
        default:
            throw RuntimeError("\(typeName(of: container)) does not support item assignment", at: location)
        }
    }

    /// `import "name"`: runs `name` (".rag" added if missing) once per session, defining its names
    /// globally. Looks in the importing script's folder, then in `stdlib/`.
    func importFile(_ path: String, at location: SourceLocation) throws {
        let file = path.hasSuffix(".rag") ? path : path + ".rag"
        // (path on disk, name shown in messages): stdlib files are shown as `stdlib/<file>`.
        var candidates: [(path: String, name: String)] = []
        if file.hasPrefix("/") {
            candidates = [(file, file)]
        } else {
            let local = ((directories.last ?? ".") as NSString).appendingPathComponent(file)
            candidates.append((local, local))
            if let stdlib = options.stdlibPath {
                candidates.append(((stdlib as NSString).appendingPathComponent(file), "stdlib/" + file))
            }
        }
        guard let (found, name) = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            let places = file.hasPrefix("/") ? "" : " in \(directories.last ?? ".") or the stdlib folder"
            throw RuntimeError("cannot import \"\(path)\": no file \(file)\(places)", at: location)
        }
        let resolved = URL(fileURLWithPath: found).standardizedFileURL.path
        if imported.contains(resolved) { return }
        imported.insert(resolved)
        guard let source = try? String(contentsOfFile: resolved, encoding: .utf8) else {
            throw RuntimeError("cannot read \(resolved)", at: location)
        }
        sources[name] = source
        let program: Program
        switch Parser.parse(source: source, file: name) {
        case .success(let parsed): program = parsed
        case .incomplete(let diagnostic), .failure(let diagnostic):
            throw RuntimeError("in imported file: \(diagnostic.rendered(source: source))", at: location)
        }
        directories.append(Interpreter.directory(of: name))
        defer { directories.removeLast() }
        for statement in program.statements {
            _ = try execute(statement, in: globals)
        }
    }
}
