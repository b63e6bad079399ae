import Foundation
import Syntax
import Tensor

/// Tensor values: properties (`shape`, `grad`, `T`, ...), methods (`sum`, `backward`, ...), the
/// operators `+ - * / ** @` and unary `-` (with numbers on either side), and indexing `t[0, 1:3]`.
enum TensorMethods {
    static var handleType: HandleType {
        var type = HandleType(Tensor.self, name: "Tensor", doc: "a float32 tensor (tensor.* creates them)") { object in
            (object as? Tensor).map(TensorFormat.describe) ?? "<Tensor>"
        }
        type.properties = properties
        type.methods = shapeMethods + mathMethods + autodiffMethods
        type.binaryOperator = binaryOperator
        type.negate = { object in .handle(-(try tensor(object))) }
        type.subscriptGet = { object, items in .handle(try index(try tensor(object), items)) }
        // len(t) and `for row in t` follow the first dimension, as in numpy.
        type.length = { object in
            let t = try tensor(object)
            guard let first = t.shape.first else { throw RuntimeError("len() of a 0-d tensor") }
            return first
        }
        type.iterate = { object in
            let t = try tensor(object)
            guard let first = t.shape.first else { throw RuntimeError("cannot iterate over a 0-d tensor") }
            return try (0..<first).map { .handle(try index(t, [.single(.int($0))])) }
        }
        return type
    }

    private static func tensor(_ object: AnyObject) throws -> Tensor {
        guard let t = object as? Tensor else { throw RuntimeError("not a Tensor") }
        return t
    }

    private static func property(_ name: String, _ doc: String, _ get: @escaping (Tensor) throws -> Value) -> Property {
        Property(name, doc) { value in
            guard case .handle(let object) = value else { throw RuntimeError("not a Tensor") }
            return try get(try tensor(object))
        }
    }

    /// A method whose receiver is a Tensor.
    static func method(_ name: String, _ params: [Param], _ doc: String,
                       _ body: @escaping (Tensor, CallArgs) throws -> Value) -> Builtin {
        Builtin(name, params, doc) { args in try body(try args.receiver(as: Tensor.self), args) }
    }

    private static var properties: [Property] {
        [
            property("shape", "the dimensions, as a List of Ints") { .list($0.shape.map { .int($0) }) },
            property("ndim", "the number of dimensions") { .int($0.rank) },
            property("grad", "the accumulated gradient after backward() (nil before)") { t in
                t.grad.map { .handle($0) } ?? .null
            },
            property("requires_grad", "whether gradients flow to this tensor") { .bool($0.tracksGrad) },
            property("T", "the last two dimensions swapped (a 0-D/1-D tensor unchanged)") { t in
                t.rank < 2 ? .handle(t) : .handle(try t.transposed())
            },
        ]
    }

    private static var autodiffMethods: [Builtin] {
        [
            method("backward", [], "backward(): gradients of this scalar into every .grad (they accumulate)") { t, _ in
                try t.backward()
                return .null
            },
            method("zero_grad", [], "zero_grad(): forget the accumulated gradient") { t, _ in
                t.zeroGrad()
                return .null
            },
            method("detach", [], "detach() -> Tensor: same values, no gradient history") { t, _ in .handle(t.detached()) },
            method("tolist", [], "tolist(): nested Lists of Floats (a Float for a 0-D tensor)") { t, _ in
                TensorConvert.list(t)
            },
            method("item", [], "item() -> Float: the value of a one-element tensor") { t, _ in
                .float(Double(try t.item()))
            },
            method("numel", [], "numel() -> Int: the number of elements") { t, _ in .int(t.count) },
        ]
    }

    private static func dims(_ args: CallArgs) throws -> [Int]? { try TensorConvert.dims(args.value("dim"), args.function) }
    private static var dimAll: Param { Param("dim", default: .null) }
    private static var keepDim: Param { Param("keepdim", default: .bool(false)) }

    private static var mathMethods: [Builtin] {
        let unary: [(String, String, (Tensor) throws -> Tensor)] = [
            ("exp", "e^x", { $0.exp() }), ("log", "natural log", { $0.log() }), ("sqrt", "square root", { $0.sqrt() }),
            ("tanh", "tanh", { $0.tanh() }), ("relu", "max(x, 0)", { $0.relu() }), ("gelu", "GELU (erf form)", { $0.gelu() }),
            ("sigmoid", "1 / (1 + e^-x)", { $0.sigmoid() }),
        ]
        return unary.map { name, doc, f in
            method(name, [], "\(name)() -> Tensor: \(doc), elementwise") { t, _ in .handle(try f(t)) }
        } + [
            method("pow", [Param("p")], "pow(p) -> Tensor: x^p elementwise (same as t ** p)") { t, args in
                .handle(t.pow(Float(try args.double("p"))))
            },
            method("sum", [dimAll, keepDim], "sum(dim: nil, keepdim: false) -> Tensor: over all or the given dims") {
                t, args in .handle(try t.sum(dims: try dims(args), keepDim: try args.bool("keepdim")))
            },
            method("mean", [dimAll, keepDim], "mean(dim: nil, keepdim: false) -> Tensor") { t, args in
                .handle(try t.mean(dims: try dims(args), keepDim: try args.bool("keepdim")))
            },
            method("max", [dimAll, keepDim], "max(dim: nil, keepdim: false) -> Tensor: largest values") { t, args in
                .handle(try t.max(dims: try dims(args), keepDim: try args.bool("keepdim")))
            },
            method("logsumexp", [Param("dim", default: .int(-1)), keepDim], "logsumexp(dim: -1, keepdim: false)") {
                t, args in .handle(try t.logsumexp(dim: try args.int("dim"), keepDim: try args.bool("keepdim")))
            },
            method("softmax", [Param("dim", default: .int(-1))], "softmax(dim: -1) -> Tensor") { t, args in
                .handle(try t.softmax(dim: try args.int("dim")))
            },
            method("log_softmax", [Param("dim", default: .int(-1))], "log_softmax(dim: -1) -> Tensor") { t, args in
                .handle(try t.logSoftmax(dim: try args.int("dim")))
            },
            method("layer_norm", [Param("weight", default: .null), Param("bias", default: .null),
                                  Param("eps", default: .float(1e-5))],
                   "layer_norm(weight: nil, bias: nil, eps: 1e-5) -> Tensor: over the last dimension") { t, args in
                let weight = args.isNull("weight") ? nil : try TensorBuiltins.tensorArg(args, "weight")
                let bias = args.isNull("bias") ? nil : try TensorBuiltins.tensorArg(args, "bias")
                return .handle(try t.layerNorm(weight: weight, bias: bias, eps: Float(try args.double("eps"))))
            },
            method("dropout", [Param("p"), Param("seed", default: .null), Param("training", default: .bool(true))],
                   "dropout(p, seed: nil, training: true) -> Tensor: zero with probability p, scale by 1/(1-p)") {
                t, args in
                .handle(try t.dropout(p: Float(try args.double("p")), generator: try TensorBuiltins.generator(args),
                                      training: try args.bool("training")))
            },
            method("matmul", [Param("other"), Param("transpose_a", default: .bool(false)),
                              Param("transpose_b", default: .bool(false))],
                   "matmul(other, transpose_a: false, transpose_b: false) -> Tensor") { t, args in
                .handle(try t.matmul(try TensorBuiltins.tensorArg(args, "other"),
                                     transposeA: try args.bool("transpose_a"), transposeB: try args.bool("transpose_b")))
            },
            method("argmax", [Param("dim", default: .int(-1))], "argmax(dim: -1) -> nested List of Ints") { t, args in
                TensorConvert.list(try t.argmax(dim: try args.int("dim")))
            },
            method("topk", [Param("k"), Param("dim", default: .int(-1))],
                   "topk(k, dim: -1) -> [values Tensor, indices List]") { t, args in
                let (values, indices) = try t.topK(try args.int("k"), dim: try args.int("dim"))
                return .list([.handle(values), TensorConvert.list(indices)])
            },
            method("masked_fill", [Param("mask"), Param("value")],
                   "masked_fill(mask, value) -> Tensor: value where mask is nonzero") { t, args in
                .handle(try t.maskedFill(try TensorConvert.ints(args.value("mask"), "masked_fill: mask"),
                                         value: Float(try args.double("value"))))
            },
            method("index_select", [Param("dim"), Param("index")], "index_select(dim, index) -> Tensor") { t, args in
                .handle(try t.indexSelect(dim: try args.int("dim"),
                                          index: try TensorConvert.ints(args.value("index"), "index_select: index")))
            },
            method("gather", [Param("dim"), Param("index")], "gather(dim, index) -> Tensor") { t, args in
                .handle(try t.gather(dim: try args.int("dim"),
                                     index: try TensorConvert.ints(args.value("index"), "gather: index")))
            },
        ]
    }

    private static var shapeMethods: [Builtin] {
        [
            method("reshape", [Param("shape")], "reshape(shape) -> Tensor (one -1 entry is inferred)") { t, args in
                .handle(try t.reshaped(try TensorConvert.shape(args.value("shape"), args.function)))
            },
            method("permute", [Param("order")], "permute(order) -> Tensor: dimensions reordered") { t, args in
                .handle(try t.permuted(try TensorConvert.shape(args.value("order"), args.function)))
            },
            method("transpose", [Param("d0", default: .int(-2)), Param("d1", default: .int(-1))],
                   "transpose(d0: -2, d1: -1) -> Tensor: two dimensions swapped") { t, args in
                .handle(try t.transposed(try args.int("d0"), try args.int("d1")))
            },
            method("unsqueeze", [Param("dim")], "unsqueeze(dim) -> Tensor: a new dimension of size 1") { t, args in
                .handle(try t.unsqueezed(dim: try args.int("dim")))
            },
            method("squeeze", [Param("dim")], "squeeze(dim) -> Tensor: remove a dimension of size 1") { t, args in
                .handle(try t.squeezed(dim: try args.int("dim")))
            },
            method("expand", [Param("shape")], "expand(shape) -> Tensor: broadcast to a larger shape") { t, args in
                .handle(try t.expanded(to: try TensorConvert.shape(args.value("shape"), args.function)))
            },
            method("slice", [Param("dim"), Param("start"), Param("end")],
                   "slice(dim, start, end) -> Tensor: positions start..<end of one dimension") { t, args in
                .handle(try t.slice(dim: try args.int("dim"), start: try args.int("start"), end: try args.int("end")))
            },
            method("split", [Param("size"), Param("dim", default: .int(0))],
                   "split(size, dim: 0) -> List of Tensors of `size` along dim (the last may be smaller)") { t, args in
                .list(try t.split(size: try args.int("size"), dim: try args.int("dim")).map { .handle($0) })
            },
        ]
    }

    /// `a op b` with a Tensor on at least one side and a Tensor or number on the other.
    private static func binaryOperator(_ op: BinaryOperator, _ lhs: Value, _ rhs: Value) throws -> Value? {
        func scalar(_ v: Value) -> Float? {
            switch v {
            case .int(let n): return Float(n)
            case .float(let x): return Float(x)
            default: return nil
            }
        }
        func asTensor(_ v: Value) -> Tensor? {
            if case .handle(let object) = v { return object as? Tensor }
            return nil
        }
        switch op {
        case .equal, .notEqual:
            throw RuntimeError("tensors are compared with tensor.allclose(a, b, atol: ...), not \(op.rawValue)")
        default: break
        }
        if let a = asTensor(lhs), let b = asTensor(rhs) {
            switch op {
            case .add: return .handle(try a + b)
            case .subtract: return .handle(try a - b)
            case .multiply: return .handle(try a * b)
            case .divide: return .handle(try a / b)
            case .matmul: return .handle(try a.matmul(b))
            default: return nil
            }
        }
        if let a = asTensor(lhs), let s = scalar(rhs) {
            switch op {
            case .add: return .handle(a + s)
            case .subtract: return .handle(a - s)
            case .multiply: return .handle(a * s)
            case .divide: return .handle(a / s)
            case .power: return .handle(a.pow(s))
            default: return nil
            }
        }
        if let s = scalar(lhs), let b = asTensor(rhs) {
            switch op {
            case .add: return .handle(s + b)
            case .subtract: return .handle(s - b)
            case .multiply: return .handle(s * b)
            case .divide: return .handle(b.pow(-1) * s)
            default: return nil
            }
        }
        return nil
    }

    /// `t[i, a:b, ...]`: an Int picks one position (the dimension is removed), a slice keeps a range
    /// (step 1 only); unindexed trailing dimensions are kept whole.
    private static func index(_ t: Tensor, _ items: [IndexArgument]) throws -> Tensor {
        guard items.count <= t.rank else {
            throw RuntimeError("too many indices (\(items.count)) for a tensor of shape \(t.shape)")
        }
        var result = t
        var removed: [Int] = []
        for (dim, item) in items.enumerated() {
            let size = t.shape[dim]
            switch item {
            case .single(let value):
                guard case .int(let i) = value else {
                    throw RuntimeError("tensor indices must be Ints or slices, got \(value.typeName)")
                }
                let p = i < 0 ? size + i : i
                guard p >= 0 && p < size else {
                    throw RuntimeError("index \(i) out of range for dimension \(dim) of size \(size)")
                }
                result = try result.slice(dim: dim, start: p, end: p + 1)
                removed.append(dim)
            case .slice(let lo, let hi, let step):
                guard step == nil || step == 1 else { throw RuntimeError("tensor slices support step 1 only") }
                func clamp(_ b: Int?, _ fallback: Int) -> Int {
                    guard let b else { return fallback }
                    return min(max(b < 0 ? b + size : b, 0), size)
                }
                let start = clamp(lo, 0)
                result = try result.slice(dim: dim, start: start, end: max(start, clamp(hi, size)))
            }
        }
        for dim in removed.reversed() { result = try result.squeezed(dim: dim) }
        return result
    }
}
