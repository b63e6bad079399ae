import XCTest
import Tensor
import TestSupport

/// Finite-difference checks generated over `Op.allCases`: `cases(for:)` is an exhaustive switch, so
/// adding an `Op` without a check does not compile, and each case must record the op it checks.
final class GradCheckTests: XCTestCase {
    struct Case {
        let name: String
        let inputs: [Tensor]
        let f: ([Tensor]) throws -> Tensor
    }

    static let rng = RNG(seed: 1234)
    static func randn(_ shape: [Int], scale: Float = 1) -> Tensor {
        (try! Tensor.randn(shape, generator: rng)).multiplying(scale).detached()
    }
    /// Values in [lo, hi) (positive domains for log/sqrt/pow).
    static func uniform(_ shape: [Int], _ lo: Float, _ hi: Float) -> Tensor {
        try! Tensor.uniform(shape, low: lo, high: hi, generator: rng)
    }
    /// Normal values pushed away from 0 (relu's kink) by at least 0.1.
    static func awayFromZero(_ shape: [Int]) -> Tensor {
        try! Tensor(shape: shape, scalars: randn(shape).scalars.map { $0 + ($0 < 0 ? -0.1 : 0.1) })
    }
    /// Distinct values (no ties for max).
    static func distinct(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        var v = (0..<n).map { Float($0) * 0.37 - Float(n) * 0.15 }
        v.shuffle(using: &Self.shuffleRNG)
        return try! Tensor(shape: shape, scalars: v)
    }
    nonisolated(unsafe) static var shuffleRNG = RNG(seed: 5)
    static func ints(_ shape: [Int], _ values: [Int]) -> IntTensor { try! IntTensor(shape: shape, scalars: values) }

    static func cases(for op: Op) -> [Case] {
        switch op {
        case .add: return [
            Case(name: "same shape", inputs: [randn([2, 3]), randn([2, 3])]) { try $0[0] + $0[1] },
            Case(name: "broadcast", inputs: [randn([2, 3, 4]), randn([3, 1])]) { try $0[0] + $0[1] },
        ]
        case .sub: return [Case(name: "broadcast", inputs: [randn([4]), randn([2, 3, 4])]) { try $0[0] - $0[1] }]
        case .mul: return [Case(name: "broadcast", inputs: [randn([2, 3]), randn([2, 1])]) { try $0[0] * $0[1] }]
        case .div: return [Case(name: "broadcast", inputs: [randn([2, 3]), uniform([3], 0.5, 2)]) { try $0[0] / $0[1] }]
        case .neg: return [Case(name: "neg", inputs: [randn([5])]) { -$0[0] }]
        case .addScalar: return [Case(name: "x+2", inputs: [randn([5])]) { $0[0] + 2 }]
        case .mulScalar: return [Case(name: "x*3", inputs: [randn([5])]) { $0[0] * 3 }]
        case .pow: return [
            Case(name: "x^2", inputs: [randn([5])]) { $0[0].pow(2) },
            Case(name: "x^1.5", inputs: [uniform([5], 0.5, 2)]) { $0[0].pow(1.5) },
            Case(name: "x^-0.5", inputs: [uniform([5], 0.5, 2)]) { $0[0].pow(-0.5) },
        ]
        case .exp: return [Case(name: "exp", inputs: [randn([6])]) { $0[0].exp() }]
        case .log: return [Case(name: "log", inputs: [uniform([6], 0.5, 3)]) { $0[0].log() }]
        case .sqrt: return [Case(name: "sqrt", inputs: [uniform([6], 0.5, 3)]) { $0[0].sqrt() }]
        case .tanh: return [Case(name: "tanh", inputs: [randn([20], scale: 2)]) { $0[0].tanh() }]
        case .sigmoid: return [Case(name: "sigmoid", inputs: [randn([20], scale: 2)]) { $0[0].sigmoid() }]
        case .relu: return [Case(name: "relu", inputs: [awayFromZero([20])]) { $0[0].relu() }]
        case .gelu: return [Case(name: "gelu", inputs: [randn([40], scale: 2)]) { $0[0].gelu() }]
        case .dropout: return [Case(name: "dropout", inputs: [randn([30])]) {
            try $0[0].dropout(p: 0.3, generator: RNG(seed: 3), training: true)
        }]
        case .sum: return [
            Case(name: "all", inputs: [randn([2, 3])]) { try $0[0].sum() },
            Case(name: "dims 0,2", inputs: [randn([2, 3, 4])]) { try $0[0].sum(dims: [0, 2]) },
            Case(name: "dim -1 keep", inputs: [randn([2, 3, 4])]) { try $0[0].sum(dims: [-1], keepDim: true) },
        ]
        case .mean: return [Case(name: "dim 1", inputs: [randn([2, 3, 4])]) { try $0[0].mean(dims: [1]) }]
        case .max: return [
            Case(name: "dim 1", inputs: [distinct([3, 4, 2])]) { try $0[0].max(dims: [1]) },
            Case(name: "all", inputs: [distinct([3, 4])]) { try $0[0].max() },
        ]
        case .logsumexp: return [Case(name: "dim -1", inputs: [randn([3, 5])]) { try $0[0].logsumexp(dim: -1) }]
        case .softmax: return [
            Case(name: "last", inputs: [randn([3, 20])]) { try $0[0].softmax(dim: -1) },
            Case(name: "dim 0", inputs: [randn([4, 3])]) { try $0[0].softmax(dim: 0) },
        ]
        case .logSoftmax: return [Case(name: "last", inputs: [randn([3, 20])]) { try $0[0].logSoftmax(dim: -1) }]
        case .layerNorm: return [
            Case(name: "affine", inputs: [randn([3, 20]), randn([20]), randn([20])]) {
                try $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5)
            },
            Case(name: "plain", inputs: [randn([2, 2, 7])]) { try $0[0].layerNorm(weight: nil, bias: nil) },
        ]
        case .matmul: return [
            Case(name: "2d", inputs: [randn([3, 4]), randn([4, 5])]) { try $0[0].matmul($0[1]) },
            Case(name: "linear", inputs: [randn([2, 3, 4]), randn([5, 4])]) { try $0[0].matmul($0[1], transposeB: true) },
            Case(name: "batched tA tB", inputs: [randn([2, 4, 3]), randn([2, 5, 4])]) {
                try $0[0].matmul($0[1], transposeA: true, transposeB: true)
            },
            Case(name: "batched tA", inputs: [randn([2, 4, 3]), randn([2, 4, 5])]) { try $0[0].matmul($0[1], transposeA: true) },
            Case(name: "broadcast batch", inputs: [randn([2, 1, 3, 4]), randn([3, 4, 2])]) { try $0[0].matmul($0[1]) },
            Case(name: "2d @ batched", inputs: [randn([3, 4]), randn([2, 4, 2])]) { try $0[0].matmul($0[1]) },
        ]
        case .linear: return [
            Case(name: "3d with bias", inputs: [randn([2, 3, 4]), randn([5, 4]), randn([5])]) {
                try $0[0].linear(weight: $0[1], bias: $0[2])
            },
            Case(name: "2d without bias", inputs: [randn([3, 4]), randn([2, 4])]) { try $0[0].linear(weight: $0[1], bias: nil) },
            Case(name: "1d input", inputs: [randn([4]), randn([3, 4]), randn([3])]) { try $0[0].linear(weight: $0[1], bias: $0[2]) },
        ]
        case .attention: return [
            Case(name: "token layout, bias", inputs: [randn([2, 3, 4]), randn([2, 5, 4]), randn([2, 5, 4]), randn([2, 1, 1, 5])]) {
                try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, scale: 0.7, bias: $0[3])
            },
            Case(name: "head-layout k/v, 2-d bias", inputs: [randn([2, 3, 4]), randn([2, 2, 5, 2]), randn([2, 2, 5, 2]), randn([3, 5])]) {
                try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, scale: 0.5, bias: $0[3])
            },
            Case(name: "dropout", inputs: [randn([1, 4, 6]), randn([1, 3, 6]), randn([1, 3, 6])]) {
                try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 3, scale: 1, dropout: 0.3, generator: RNG(seed: 3))
            },
        ]
        case .reshape: return [Case(name: "reshape", inputs: [randn([2, 6])]) { try $0[0].reshaped([3, -1]).pow(2) }]
        case .permute: return [Case(name: "permute", inputs: [randn([2, 3, 4])]) { try $0[0].permuted([2, 0, 1]) }]
        case .expand: return [Case(name: "expand", inputs: [randn([3, 1])]) { try $0[0].expanded(to: [2, 3, 4]) }]
        case .slice: return [Case(name: "slice", inputs: [randn([3, 5, 2])]) { try $0[0].slice(dim: 1, start: 1, end: -1) }]
        case .concat: return [Case(name: "concat", inputs: [randn([2, 3]), randn([2, 1])]) { try Tensor.concat([$0[0], $0[1]], dim: 1) }]
        case .embedding: return [Case(name: "repeated ids", inputs: [randn([5, 3])]) {
            try Tensor.embedding(weight: $0[0], ids: ints([2, 3], [1, 4, 1, 0, 4, 4]))
        }]
        case .indexSelect: return [Case(name: "dim 1", inputs: [randn([2, 4, 3])]) {
            try $0[0].indexSelect(dim: 1, index: IntTensor([3, 0, 3]))
        }]
        case .gather: return [Case(name: "dim 1", inputs: [randn([2, 4])]) {
            try $0[0].gather(dim: 1, index: ints([2, 3], [0, 3, 3, 1, 1, 2]))
        }]
        case .maskedFill: return [Case(name: "broadcast mask", inputs: [randn([2, 3])]) {
            try $0[0].maskedFill(ints([3], [1, 0, 1]), value: -5)
        }]
        case .where: return [Case(name: "broadcast", inputs: [randn([2, 3]), randn([3])]) {
            try Tensor.where(ints([2, 1], [1, 0]), $0[0], $0[1])
        }]
        case .crossEntropy: return [
            Case(name: "mean ignore smooth", inputs: [randn([4, 5])]) {
                try Tensor.crossEntropy(logits: $0[0], targets: IntTensor([2, -100, 0, 4]), labelSmoothing: 0.1)
            },
            Case(name: "none 3d", inputs: [randn([2, 2, 3])]) {
                try Tensor.crossEntropy(logits: $0[0], targets: ints([2, 2], [0, 2, 1, 1]), reduction: .none)
            },
            Case(name: "sum", inputs: [randn([3, 4])]) {
                try Tensor.crossEntropy(logits: $0[0], targets: IntTensor([3, 0, 1]), reduction: .sum)
            },
        ]
        case .nll: return [Case(name: "mean ignore", inputs: [randn([3, 4])]) {
            try Tensor.nll(logProbs: $0[0], targets: IntTensor([1, 3, -100]))
        }]
        }
    }

    func testEveryOpHasAPassingGradientCheck() throws {
        var failures: [String] = []
        for op in Op.allCases {
            let cases = Self.cases(for: op)
            if cases.isEmpty { failures.append("\(op): no gradient check") }
            for c in cases {
                do {
                    let report = try GradCheck.check(inputs: c.inputs, c.f)
                    if !report.recordedOps.contains(op) {
                        failures.append("\(op) [\(c.name)]: check does not exercise the op (recorded \(report.recordedOps))")
                    }
                } catch {
                    failures.append("\(op) [\(c.name)]: \(error)")
                }
            }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}
