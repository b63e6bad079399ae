/// The syntax tree. Every expression and statement carries the location of its first token
/// (for binary operators: the operator; for calls and members: the called name), which runtime errors cite.
public struct Expr: Sendable {
    public var kind: ExprKind
    public var location: SourceLocation

    public init(_ kind: ExprKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public indirect enum ExprKind: Sendable {
    case nilLiteral
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string([StringPart])
    case name(String)
    case list([Expr])
    case dict([DictEntry])
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case call(Expr, [Argument])
    case member(Expr, String)
    case index(Expr, [IndexItem])
    case function(FunctionDecl)
}

public enum StringPart: Sendable {
    case text(String)
    case interpolation(Expr)
}

/// `{key: value}`: a bare identifier key is the string of its name; any other key is evaluated.
public struct DictEntry: Sendable {
    public var key: Expr
    public var value: Expr
}

/// A call argument, positional (`label == nil`) or named (`name: value`).
public struct Argument: Sendable {
    public var label: String?
    public var value: Expr
    public var location: SourceLocation
}

/// One position in `a[...]`: a single index or a `lo:hi:step` slice with optional parts.
public enum IndexItem: Sendable {
    case single(Expr)
    case slice(Expr?, Expr?, Expr?)
}

public enum UnaryOperator: String, Sendable {
    case negate = "-"
    case plus = "+"
    case not = "not"
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "**"
    case matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains = "in", notContains = "not in"
}

/// A named or anonymous function; a class so closures share one copy of the body.
public final class FunctionDecl: Sendable {
    public let name: String
    public let parameters: [Parameter]
    public let body: [Stmt]
    public let location: SourceLocation

    public init(name: String, parameters: [Parameter], body: [Stmt], location: SourceLocation) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.location = location
    }
}

/// `name` or `name: default` in a function header.
public struct Parameter: Sendable {
    public var name: String
    public var defaultValue: Expr?
    public var location: SourceLocation
}

public struct Stmt: Sendable {
    public var kind: StmtKind
    public var location: SourceLocation

    public init(_ kind: StmtKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public indirect enum StmtKind: Sendable {
    case expression(Expr)
    /// `target = value` or `target op= value`; target is a name, an index or a member expression.
    case assign(target: Expr, op: BinaryOperator?, value: Expr)
    case ifChain(branches: [(condition: Expr, body: [Stmt])], elseBody: [Stmt]?)
    case whileLoop(condition: Expr, body: [Stmt])
    /// `for x in xs` or `for k, v in pairs` (each item is unpacked into the names).
    case forLoop(names: [String], iterable: Expr, body: [Stmt])
    case function(FunctionDecl)
    case returnStmt(Expr?)
    case breakStmt
    case continueStmt
    case importStmt(path: String)
}

/// A parsed source: its statements in order.
public struct Program: Sendable {
    public var statements: [Stmt]
}
