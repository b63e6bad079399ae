import Foundation

/// Global functions: printing, inspection, conversion, and small sequence helpers.
enum CoreBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(globals: [
            Builtin("print", [Param("sep", default: .string(" ")), Param("end", default: .string("\n"))],
                    variadic: true, "print(*values, sep: \" \", end: \"\\n\"): write values to the output") { args in
                let text = args.rest.map(args.interpreter.str).joined(separator: try args.string("sep"))
                args.interpreter.output.write(text + (try args.string("end")))
                return .null
            },
            Builtin("len", [Param("x")], "len(x) -> Int: items in a List/Dict, characters in a String") { args in
                switch args.value("x") {
                case .list(let l): return .int(l.items.count)
                case .dict(let d): return .int(d.count)
                case .string(let s): return .int(s.count)
                case .handle(let object):
                    if let length = args.interpreter.handleType(of: object)?.length { return .int(try length(object)) }
                    throw RuntimeError("len: \(args.interpreter.typeName(of: .handle(object))) has no length")
                case let other:
                    throw RuntimeError("len: \(args.interpreter.typeName(of: other)) has no length")
                }
            },
            Builtin("range", [Param("start"), Param("stop", default: .null), Param("step", default: .int(1))],
                    "range(stop) or range(start, stop, step: 1) -> List of Ints") { args in
                var start = try args.int("start")
                var stop = 0
                if args.isNull("stop") { swap(&start, &stop) } else { stop = try args.int("stop") }
                let step = try args.int("step")
                guard step != 0 else { throw RuntimeError("range: step cannot be zero") }
                // Counted in Double: Int arithmetic on extreme bounds would overflow.
                let count = max(0, ((Double(stop) - Double(start)) / Double(step)).rounded(.up))
                guard count <= 100_000_000 else {
                    throw RuntimeError("range: \(count) items is too many (at most 100,000,000)")
                }
                return .list(stride(from: start, to: stop, by: step).map { .int($0) })
            },
            Builtin("type", [Param("x")], "type(x) -> String: the type name (Int, Float, List, Tensor, ...)") { args in
                .string(args.interpreter.typeName(of: args.value("x")))
            },
            Builtin("help", [Param("x", default: .null)],
                    "help(x): describe a function, namespace or value (its methods and properties)") { args in
                args.interpreter.output.write(args.interpreter.helpText(for: args.value("x")) + "\n")
                return .null
            },
            Builtin("assert", [Param("condition"), Param("message", default: .string("assertion failed"))],
                    "assert(condition, message): stop with an error if condition is false") { args in
                if !args.value("condition").isTruthy {
                    throw RuntimeError("assertion failed: \(args.interpreter.str(args.value("message")))")
                }
                return .null
            },
            Builtin("error", [Param("message")], "error(message): stop with a runtime error") { args in
                throw RuntimeError(args.interpreter.str(args.value("message")))
            },
            Builtin("str", [Param("x")], "str(x) -> String: as print shows it") { args in
                .string(args.interpreter.str(args.value("x")))
            },
            Builtin("repr", [Param("x")], "repr(x) -> String: as the REPL displays it") { args in
                .string(args.interpreter.display(args.value("x")))
            },
            Builtin("int", [Param("x")], "int(x) -> Int: truncates Floats, parses Strings") { args in
                switch args.value("x") {
                case .int(let n): return .int(n)
                case .bool(let b): return .int(b ? 1 : 0)
                case .float(let x):
                    guard let n = CallArgs.truncatedInt(x) else { throw RuntimeError("int: \(x) has no Int value") }
                    return .int(n)
                case .string(let s):
                    guard let n = Int(s.trimmingCharacters(in: .whitespaces)) else {
                        throw RuntimeError("int: cannot parse \(Interpreter.quoted(s)) as an Int")
                    }
                    return .int(n)
                case let other: throw RuntimeError("int: cannot convert \(args.interpreter.typeName(of: other))")
                }
            },
            Builtin("float", [Param("x")], "float(x) -> Float: converts numbers, parses Strings") { args in
                switch args.value("x") {
                case .int(let n): return .float(Double(n))
                case .float(let x): return .float(x)
                case .string(let s):
                    guard let x = Double(s.trimmingCharacters(in: .whitespaces)) else {
                        throw RuntimeError("float: cannot parse \(Interpreter.quoted(s)) as a Float")
                    }
                    return .float(x)
                case let other: throw RuntimeError("float: cannot convert \(args.interpreter.typeName(of: other))")
                }
            },
            Builtin("bool", [Param("x")], "bool(x) -> Bool: truthiness (nil, false, 0, \"\", [] and {} are false)") {
                args in .bool(args.value("x").isTruthy)
            },
            Builtin("abs", [Param("x")], "abs(x): absolute value of an Int or Float") { args in
                switch args.value("x") {
                case .int(let n) where n != Int.min: return .int(abs(n))
                case .float(let x): return .float(abs(x))
                default: throw RuntimeError("abs: argument must be a number")
                }
            },
            Builtin("fixed", [Param("x"), Param("digits", default: .int(4))],
                    "fixed(x, digits: 4) -> String: a number with exactly `digits` decimals") { args in
                .string(NumberFormat.fixed(try args.double("x"), digits: try args.int("digits")))
            },
            Builtin("round", [Param("x"), Param("digits", default: .null)],
                    "round(x, digits: nil): to the nearest Int (ties to even), or a Float with `digits` decimals") {
                args in
                let x = try args.double("x")
                guard let digits = try args.optionalInt("digits") else {
                    guard let n = CallArgs.truncatedInt(x.rounded(.toNearestOrEven)) else { throw RuntimeError("round: \(x) has no Int value") }
                    return .int(n)
                }
                let scale = pow(10.0, Double(digits))
                return .float((x * scale).rounded(.toNearestOrEven) / scale)
            },
        ] + SequenceBuiltins.globals)
    }
}
