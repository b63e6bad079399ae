import Foundation

/// The `math` namespace: elementary functions on numbers.
enum MathBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("math", doc: "elementary functions on numbers", functions: [
            unary("sqrt", "square root") { x in
                guard x >= 0 else { throw RuntimeError("math.sqrt: negative argument \(NumberFormat.float(x))") }
                return x.squareRoot()
            },
            unary("exp", "e to the power x") { exp($0) },
            unary("log", "natural logarithm") { x in
                guard x > 0 else { throw RuntimeError("math.log: argument must be positive, got \(NumberFormat.float(x))") }
                return log(x)
            },
            unary("sin", "sine (radians)") { sin($0) },
            unary("cos", "cosine (radians)") { cos($0) },
            unary("tanh", "hyperbolic tangent") { tanh($0) },
            Builtin("floor", [Param("x")], "floor(x) -> Int") { args in .int(try integral(floor(try args.double("x")))) },
            Builtin("ceil", [Param("x")], "ceil(x) -> Int") { args in .int(try integral(ceil(try args.double("x")))) },
            Builtin("pow", [Param("x"), Param("y")], "pow(x, y) -> Float") { args in
                .float(pow(try args.double("x"), try args.double("y")))
            },
            Builtin("isnan", [Param("x")], "isnan(x) -> Bool") { args in .bool(try args.double("x").isNaN) },
        ], constants: [("pi", .float(Double.pi)), ("e", .float(M_E)), ("inf", .float(.infinity)), ("nan", .float(.nan))])])
    }

    private static func unary(_ name: String, _ doc: String, _ f: @escaping (Double) throws -> Double) -> Builtin {
        Builtin(name, [Param("x")], "\(name)(x) -> Float: \(doc)") { args in .float(try f(try args.double("x"))) }
    }

    private static func integral(_ x: Double) throws -> Int {
        guard let n = CallArgs.truncatedInt(x) else { throw RuntimeError("\(x) has no Int value") }
        return n
    }
}
