import Foundation
import Tensor

/// The `tensor` namespace: creation (from nested lists, zeros/ones/full, seeded random), comparison,
/// and the ops that take several tensors. Methods and operators of Tensor values are in
/// TensorMethods.swift. Random tensors without `seed:` draw from the session's generator (seed 0 at
/// start, `tensor.seed(n)` to reset), so scripts are reproducible.
enum TensorBuiltins {
    static var table: BuiltinTable {
        BuiltinTable(namespaces: [NamespaceTable("tensor", doc: "float32 tensors with reverse-mode autodiff",
                                                 functions: creation + combining + files)],
                     handleTypes: [TensorMethods.handleType])
    }

    /// The session's default generator (per interpreter).
    final class State { var rng = RNG(seed: 0) }

    static func generator(_ args: CallArgs) throws -> RNG {
        if let seed = try args.optionalInt("seed") {
            guard seed >= 0 else { throw RuntimeError("\(args.function): seed must be >= 0, got \(seed)") }
            return RNG(seed: UInt64(seed))
        }
        return args.interpreter.state("tensor") { State() }.rng
    }

    static func handle(_ t: Tensor, grad: Bool = false) -> Value {
        if grad { t.requiresGrad = true }
        return .handle(t)
    }

    static func tensorArg(_ args: CallArgs, _ name: String) throws -> Tensor {
        try TensorConvert.tensor(args.value(name), "\(args.function): '\(name)'")
    }

    private static var gradParam: Param { Param("grad", default: .bool(false)) }

    private static var creation: [Builtin] {
        [
            Builtin("from", [Param("data"), gradParam],
                    "from(data, grad: false) -> Tensor: from a number or nested lists of numbers") { args in
                let source = try tensorArg(args, "data")
                // Always a fresh leaf, even when given a tensor.
                return handle(try Tensor(shape: source.shape, scalars: source.scalars), grad: try args.bool("grad"))
            },
            Builtin("zeros", [Param("shape"), gradParam], "zeros(shape, grad: false) -> Tensor of 0") { args in
                handle(try Tensor.zeros(try TensorConvert.shape(args.value("shape"), args.function)),
                       grad: try args.bool("grad"))
            },
            Builtin("ones", [Param("shape"), gradParam], "ones(shape, grad: false) -> Tensor of 1") { args in
                handle(try Tensor.ones(try TensorConvert.shape(args.value("shape"), args.function)),
                       grad: try args.bool("grad"))
            },
            Builtin("full", [Param("shape"), Param("value"), gradParam],
                    "full(shape, value, grad: false) -> Tensor filled with value") { args in
                handle(try Tensor.full(try TensorConvert.shape(args.value("shape"), args.function),
                                       value: Float(try args.double("value"))), grad: try args.bool("grad"))
            },
            Builtin("arange", [Param("start"), Param("stop", default: .null), Param("step", default: .int(1))],
                    "arange(stop) or arange(start, stop, step: 1) -> 1-D Tensor") { args in
                var start = try args.double("start")
                var stop = 0.0
                if args.isNull("stop") { swap(&start, &stop) } else { stop = try args.double("stop") }
                let step = try args.double("step")
                guard step != 0 else { throw RuntimeError("tensor.arange: step cannot be zero") }
                let count = max(0, Int(((stop - start) / step).rounded(.up)))
                guard count <= 100_000_000 else { throw RuntimeError("tensor.arange: \(count) elements is too many") }
                return .handle(try Tensor(shape: [count], scalars: (0..<count).map { Float(start + Double($0) * step) }))
            },
            Builtin("randn", [Param("shape"), Param("seed", default: .null), Param("mean", default: .float(0)),
                              Param("std", default: .float(1)), gradParam],
                    "randn(shape, seed: nil, mean: 0.0, std: 1.0, grad: false) -> normal samples") { args in
                handle(try Tensor.randn(try TensorConvert.shape(args.value("shape"), args.function),
                                        mean: Float(try args.double("mean")), std: Float(try args.double("std")),
                                        generator: try generator(args)), grad: try args.bool("grad"))
            },
            Builtin("rand", [Param("shape"), Param("seed", default: .null), Param("low", default: .float(0)),
                             Param("high", default: .float(1)), gradParam],
                    "rand(shape, seed: nil, low: 0.0, high: 1.0, grad: false) -> uniform samples") { args in
                handle(try Tensor.uniform(try TensorConvert.shape(args.value("shape"), args.function),
                                          low: Float(try args.double("low")), high: Float(try args.double("high")),
                                          generator: try generator(args)), grad: try args.bool("grad"))
            },
            Builtin("seed", [Param("seed")], "seed(n): restart the session's random generator at seed n") { args in
                let seed = try args.int("seed")
                guard seed >= 0 else { throw RuntimeError("tensor.seed: seed must be >= 0, got \(seed)") }
                args.interpreter.state("tensor") { State() }.rng = RNG(seed: UInt64(seed))
                return .null
            },
            Builtin("precision", [Param("name", default: .null)],
                    "precision(name: nil) -> String: the session's precision of matrix products (\"float32\" or \"bfloat16\", what they really run in); with a name (\"bf16\", \"float32\") sets it first (calls with their own precision: argument and train runs override it)") { args in
                if !args.isNull("name") {
                    Precision.sessionDefault = try ModelSupport.precision(try args.string("name"), function: args.function)
                }
                return .string(Precision.active.rawValue)
            },
            Builtin("threads", [Param("n", default: .null)],
                    "threads(n: nil) -> Int: worker threads of the tensor kernels, OpenBLAS, oneDNN and the indexes (default: every core; under mpirun each rank's share; RAGTIME_THREADS); with n (1-4096) sets it first") { args in
                if !args.isNull("n") {
                    let n = try args.int("n")
                    guard (1...4096).contains(n) else { throw RuntimeError("\(args.function): n must be from 1 to 4096, got \(n)") }
                    Parallel.threadCount = n
                }
                return .int(Parallel.threadCount)
            },
        ]
    }

    private static var combining: [Builtin] {
        [
            Builtin("allclose", [Param("a"), Param("b"), Param("atol", default: .float(1e-6)),
                                 Param("rtol", default: .float(1e-5))],
                    "allclose(a, b, atol: 1e-6, rtol: 1e-5) -> Bool: same shape and |a-b| <= atol + rtol*|b|") {
                args in
                let a = try tensorArg(args, "a"), b = try tensorArg(args, "b")
                let atol = Float(try args.double("atol")), rtol = Float(try args.double("rtol"))
                guard a.shape == b.shape else { return .bool(false) }
                return .bool(zip(a.scalars, b.scalars).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) })
            },
            Builtin("matmul", [Param("a"), Param("b")], "matmul(a, b) -> Tensor: (batched) matrix product, as a @ b") {
                args in .handle(try tensorArg(args, "a").matmul(try tensorArg(args, "b")))
            },
            Builtin("concat", [Param("tensors"), Param("dim", default: .int(0))],
                    "concat(tensors, dim: 0) -> Tensor: join along an existing dimension") { args in
                let parts = try args.list("tensors").map { try TensorConvert.tensor($0, "tensor.concat: item") }
                return .handle(try Tensor.concat(parts, dim: try args.int("dim")))
            },
            Builtin("where", [Param("condition"), Param("a"), Param("b")],
                    "where(condition, a, b) -> Tensor: a where condition is nonzero, else b") { args in
                .handle(try Tensor.where(try TensorConvert.ints(args.value("condition"), "tensor.where: condition"),
                                         try tensorArg(args, "a"), try tensorArg(args, "b")))
            },
            Builtin("embedding", [Param("weight"), Param("ids")],
                    "embedding(weight, ids) -> Tensor: rows of weight [V, D] for integer ids") { args in
                .handle(try Tensor.embedding(weight: try tensorArg(args, "weight"),
                                             ids: try TensorConvert.ints(args.value("ids"), "tensor.embedding: ids")))
            },
            Builtin("cross_entropy", [Param("logits"), Param("targets"), Param("ignore_index", default: .int(-100)),
                                      Param("label_smoothing", default: .float(0)),
                                      Param("reduction", default: .string("mean"))],
                    "cross_entropy(logits, targets, ignore_index: -100, label_smoothing: 0.0, reduction: \"mean\")") {
                args in
                .handle(try Tensor.crossEntropy(
                    logits: try tensorArg(args, "logits"),
                    targets: try TensorConvert.ints(args.value("targets"), "tensor.cross_entropy: targets"),
                    ignoreIndex: try args.int("ignore_index"), labelSmoothing: Float(try args.double("label_smoothing")),
                    reduction: try reduction(args)))
            },
            Builtin("nll", [Param("log_probs"), Param("targets"), Param("ignore_index", default: .int(-100)),
                            Param("reduction", default: .string("mean"))],
                    "nll(log_probs, targets, ignore_index: -100, reduction: \"mean\") -> negative log-likelihood") {
                args in
                .handle(try Tensor.nll(logProbs: try tensorArg(args, "log_probs"),
                                       targets: try TensorConvert.ints(args.value("targets"), "tensor.nll: targets"),
                                       ignoreIndex: try args.int("ignore_index"), reduction: try reduction(args)))
            },
        ]
    }

    private static func reduction(_ args: CallArgs) throws -> Reduction {
        switch try args.string("reduction") {
        case "mean": return .mean
        case "sum": return .sum
        case "none": return .none
        case let other: throw RuntimeError("\(args.function): reduction must be \"mean\", \"sum\" or \"none\", got \"\(other)\"")
        }
    }
}
