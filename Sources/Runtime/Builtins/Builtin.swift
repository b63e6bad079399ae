import Cluster
import Syntax

/// One parameter of a builtin: a name and, if optional, its default value.
public struct Param {
    public let name: String
    public let defaultValue: Value?

    /// A required parameter.
    public init(_ name: String) {
        self.name = name
        self.defaultValue = nil
    }

    /// An optional parameter (positional or named) with its default.
    public init(_ name: String, default value: Value) {
        self.name = name
        self.defaultValue = value
    }
}

/// A builtin function or method. Arguments are bound to `params` (positional, then by name) before
/// `body` runs. A `variadic` builtin takes every positional argument in `CallArgs.rest`; its `params`
/// are then named-only (`print(a, b, sep: ", ")`).
///
///     Builtin("sqrt", [Param("x")], "sqrt(x) -> Float: square root") { args in
///         .float(try args.double("x").squareRoot())
///     }
public struct Builtin {
    public let name: String
    public let params: [Param]
    public let variadic: Bool
    /// First line: the call signature; further text: what it does.
    public let doc: String
    public let body: (CallArgs) throws -> Value

    public init(_ name: String, _ params: [Param] = [], variadic: Bool = false, _ doc: String,
                _ body: @escaping (CallArgs) throws -> Value) {
        self.name = name
        self.params = params
        self.variadic = variadic
        self.doc = doc
        self.body = body
    }
}

/// A read-only property of a value type or handle type (`t.shape`, `t.grad`).
public struct Property {
    public let name: String
    public let doc: String
    public let get: (Value) throws -> Value

    public init(_ name: String, _ doc: String, _ get: @escaping (Value) throws -> Value) {
        self.name = name
        self.doc = doc
        self.get = get
    }
}

/// Methods and properties of a built-in value type (`String`, `List`, `Dict`); the receiver is
/// `CallArgs.receiver`.
public struct TypeMethods {
    public let typeName: String
    public let methods: [Builtin]
    public let properties: [Property]

    public init(_ typeName: String, methods: [Builtin], properties: [Property] = []) {
        self.typeName = typeName
        self.methods = methods
        self.properties = properties
    }
}

/// An opaque runtime object type exposed to scripts (`Tensor`, `Model`, `KB`, ...). The Swift class
/// `objectType` identifies it: a builtin returns `.handle(object)` and the interpreter finds the
/// `HandleType` from the object's dynamic type.
public struct HandleType {
    public let objectType: AnyObject.Type
    public let name: String
    public let doc: String
    public var methods: [Builtin] = []
    public var properties: [Property] = []
    /// How the value is shown (REPL display, `print`, `str`).
    public var describe: (AnyObject) -> String
    /// `lhs op rhs` when either side is this handle type; return nil if unsupported.
    public var binaryOperator: ((BinaryOperator, Value, Value) throws -> Value?)? = nil
    /// `-x`.
    public var negate: ((AnyObject) throws -> Value)? = nil
    /// `x[i, a:b]`.
    public var subscriptGet: ((AnyObject, [IndexArgument]) throws -> Value)? = nil
    /// `len(x)`.
    public var length: ((AnyObject) throws -> Int)? = nil
    /// The items `for item in x` visits.
    public var iterate: ((AnyObject) throws -> [Value])? = nil

    public init(_ objectType: AnyObject.Type, name: String, doc: String,
                describe: @escaping (AnyObject) -> String) {
        self.objectType = objectType
        self.name = name
        self.doc = doc
        self.describe = describe
    }
}

/// An evaluated index position: `x[i]` or `x[lo:hi:step]`.
public enum IndexArgument {
    case single(Value)
    case slice(Int?, Int?, Int?)
}

/// A builtin namespace (`math`, `io`, `tensor`, ...): functions plus constants.
public struct NamespaceTable {
    public let name: String
    public let doc: String
    public let functions: [Builtin]
    public let constants: [(name: String, value: Value)]

    public init(_ name: String, doc: String, functions: [Builtin], constants: [(name: String, value: Value)] = []) {
        self.name = name
        self.doc = doc
        self.functions = functions
        self.constants = constants
    }
}

/// Everything one domain contributes to the language. Each `Builtins/<Domain>Builtins.swift` exposes
/// `static var table: BuiltinTable`, and `BuiltinRegistry.tables` lists them.
public struct BuiltinTable {
    public var globals: [Builtin] = []
    public var namespaces: [NamespaceTable] = []
    public var handleTypes: [HandleType] = []
    public var typeMethods: [TypeMethods] = []

    public init(globals: [Builtin] = [], namespaces: [NamespaceTable] = [], handleTypes: [HandleType] = [],
                typeMethods: [TypeMethods] = []) {
        self.globals = globals
        self.namespaces = namespaces
        self.handleTypes = handleTypes
        self.typeMethods = typeMethods
    }
}

extension Builtin {
    /// This builtin writes files (a save): under `mpirun` only rank 0 writes, and every rank leaves the
    /// call when the write is done, so the next line on any rank may read the files; in one process it
    /// simply writes. Every rank must make the call, as every rank holds the same values in a
    /// data-parallel script (docs/distributed.md); a failed write on rank 0 ends the job, so no rank waits
    /// for it forever.
    public func writingOnRankZero() -> Builtin {
        let body = self.body
        return Builtin(name, params, variadic: variadic, doc + " (under mpirun: written by rank 0, every rank waits for it)") { args in
            guard Cluster.size > 1 else { return try body(args) }
            var result: Value = .null
            if Cluster.rank == 0 { result = try body(args) }
            Cluster.barrier()
            return result
        }
    }
}
